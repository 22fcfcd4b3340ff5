using Spectre.Console.Cli;
using Workbook.NotebookRunner;
using Workbook.Tools;

// Executes notebooks headless and writes them, with their outputs, as .ipynb and .html (options: RunSettings).
// Each notebook runs in its own worker process (as each has its own kernel in VS Code), so one notebook's
// state, threads or a hung cell cannot affect the next.
var app = new CommandApp<RunCommand>().WithDescription(
    "Executes each notebook headless, each in a worker process of its own, and writes it with its outputs as .ipynb and .html.");
return await ToolCommandLine.RunAsync(app, "Workbook.NotebookRunner", args);
