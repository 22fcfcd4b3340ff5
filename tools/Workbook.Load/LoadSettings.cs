using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.LoadTesting;
using Workbook.Tools;

namespace Workbook.LoadTool;

internal sealed class LoadSettings : CommandSettings
{
    [CommandArgument(0, "[url]")]
    [Description("What to load: an http:// URL on this machine (127.0.0.1 or localhost)")]
    public string? Url { get; init; }

    [CommandOption("-c|--clients <N>")]
    [Description("Clients, each sending its next request when its last one is answered (closed model, like ab -c and wrk -c). Default: 10 when -r is not given")]
    [Within(1, 100_000)]
    public int? Clients { get; init; }

    [CommandOption("-r|--rate <R>")]
    [Description("Requests started per second, whether or not earlier ones were answered (open model). Default: none, -c is used")]
    [Within(0, 1_000_000, AboveMin = true)]
    public double? Rate { get; init; }

    [CommandOption("-d|--duration <SECONDS>")]
    [Description("How long the load runs, after the ramp")]
    [DefaultValue(10.0)]
    [Within(0, 86_400, AboveMin = true)]
    public double Duration { get; init; } = 10;

    [CommandOption("-n|--requests <N>")]
    [Description("Stop after this many requests. Default: no limit")]
    [Within(1, double.PositiveInfinity)]
    public long? Requests { get; init; }

    [CommandOption("--ramp <SECONDS>")]
    [Description("Ramp the clients or the rate up from zero over this long first")]
    [DefaultValue(0.0)]
    [Within(0, 86_400)]
    public double Ramp { get; init; }

    [CommandOption("--new-connection")]
    [Description("A new connection per request (ab without -k), instead of keep-alive")]
    [DefaultValue(false)]
    public bool NewConnection { get; init; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("A request not answered after this long fails")]
    [DefaultValue(10.0)]
    [Within(0, 3_600, AboveMin = true)]
    public double Timeout { get; init; } = 10;

    [CommandOption("--attribute <HEADER>")]
    [Description("Count the responses by this response header's value (e.g. X-Worker-Pid). Default: none")]
    public string? Attribute { get; init; }

    [CommandOption("--label <TEXT>")]
    [Description("The run's name in the summary and the chart. Default: the URL")]
    public string? Label { get; init; }

    [CommandOption("--png <FILE>")]
    [Description("Also write the run's timeline as a PNG chart to this file. Default: none")]
    public string? Png { get; init; }

    [CommandOption("--json")]
    [Description("Print one JSON object with the results and nothing else (for other tools)")]
    [DefaultValue(false)]
    public bool Json { get; init; }

    public Uri Target => new(Url!);

    public LoadTest ToLoadTest()
    {
        var during = TimeSpan.FromSeconds(Duration);
        var ramp = TimeSpan.FromSeconds(Ramp);
        List<LoadPhase> phases = Rate is double r
            ? [.. Ramp > 0 ? [Load.RampingInject(r, TimeSpan.FromSeconds(1), ramp)] : Array.Empty<LoadPhase>(), Load.Inject(r, TimeSpan.FromSeconds(1), during)]
            : [.. Ramp > 0 ? [Load.RampingConstant(Clients ?? 10, ramp)] : Array.Empty<LoadPhase>(), Load.KeepConstant(Clients ?? 10, during)];
        return new LoadTest
        {
            Url = Target,
            Label = Label ?? Target.ToString(),
            Load = phases,
            Connection = NewConnection ? ConnectionMode.NewPerRequest : ConnectionMode.KeepAlive,
            MaxRequests = Requests,
            Timeout = TimeSpan.FromSeconds(Timeout),
            AttributeBy = Attribute,
        };
    }

    public override ValidationResult Validate()
    {
        if (Url is null) return ValidationResult.Error("the URL is missing");
        if (!Uri.TryCreate(Url, UriKind.Absolute, out _)) return ValidationResult.Error($"<url> needs an absolute URL such as http://127.0.0.1:8080/, not '{Url}'");
        if (Clients is not null && Rate is not null) return ValidationResult.Error("give either -c (closed model) or -r (open model), not both");
        return ValidationResult.Success();
    }
}
