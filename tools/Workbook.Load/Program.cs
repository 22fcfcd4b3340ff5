using Spectre.Console.Cli;
using Workbook.LoadTool;
using Workbook.Tools;

// A load run from the terminal, for instructors and for checking a server by hand (options: LoadSettings):
//   Workbook.Load http://127.0.0.1:8080/ -c 50 -d 10 --attribute X-Worker-Pid --png load.png

// Socket completions run on the epoll threads instead of hopping to the thread pool, as wrk runs on its event
// loops: a generator that needs less CPU leaves more to the server it measures (0.75x wrk's rate instead of
// 0.65x here). Read once, before the first socket; an explicit setting in the environment wins.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");

var app = new CommandApp<LoadCommand>().WithDescription(
    "A load run against an HTTP endpoint on this machine: a live progress bar, then a summary (or --json), and a PNG chart with --png.");
return await ToolCommandLine.RunAsync(app, "Workbook.Load", args);
