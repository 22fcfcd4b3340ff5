namespace Workbook.Demo;

/// <summary>The demo's command line. Every bound has a default, so nothing it starts runs forever.</summary>
internal sealed record DemoOptions
{
    public const string Usage = "Workbook.Demo [--port N] [--workers N] [--work N] [--clients N] [--refresh MS] [--load] " +
                                "[--load-seconds S] [--max-seconds S] [--help]";

    public const int MaxWorkers = 16;

    /// <summary>0: a free port, printed at the start.</summary>
    public int Port { get; init; }

    public int Workers { get; init; } = 2;

    /// <summary>Loop iterations per request in the workers (the notes' simulated CPU work): small, so the load shows many requests.</summary>
    public long Work { get; init; } = 10_000;

    /// <summary>Clients of the built-in load (closed model: each sends its next request when the last one is answered).</summary>
    public int Clients { get; init; } = 4;

    public TimeSpan Refresh { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Start with the load on.</summary>
    public bool Load { get; init; }

    /// <summary>Each time the load is switched on it stops by itself after this long.</summary>
    public TimeSpan LoadLimit { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The whole demo quits by itself after this long.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    public bool Help { get; init; }

    /// <summary>The options, or the one-line reason they are wrong.</summary>
    public static (DemoOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var o = new DemoOptions();
        for (int i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? value = i + 1 < args.Count ? args[i + 1] : null;
            (DemoOptions?, string?) Bad(string what) => (null, $"{name} needs {what} (got {(value is null ? "nothing" : $"'{value}'")})");
            switch (name)
            {
                case "--help" or "-h": o = o with { Help = true }; continue;
                case "--load": o = o with { Load = true }; continue;
                case "--port":
                    if (!int.TryParse(value, out var port) || port is < 0 or > 65535) return Bad("a port number from 0 to 65535");
                    o = o with { Port = port };
                    break;
                case "--workers":
                    if (!int.TryParse(value, out var workers) || workers is < 1 or > MaxWorkers) return Bad($"a number of workers from 1 to {MaxWorkers}");
                    o = o with { Workers = workers };
                    break;
                case "--work":
                    if (!long.TryParse(value, out var work) || work < 0) return Bad("a number of loop iterations, 0 or more");
                    o = o with { Work = work };
                    break;
                case "--clients":
                    if (!int.TryParse(value, out var clients) || clients is < 1 or > 256) return Bad("a number of clients from 1 to 256");
                    o = o with { Clients = clients };
                    break;
                case "--refresh":
                    if (!int.TryParse(value, out var ms) || ms is < 100 or > 10_000) return Bad("milliseconds from 100 to 10000");
                    o = o with { Refresh = TimeSpan.FromMilliseconds(ms) };
                    break;
                case "--load-seconds":
                    if (!int.TryParse(value, out var load) || load is < 1 or > 3600) return Bad("seconds from 1 to 3600");
                    o = o with { LoadLimit = TimeSpan.FromSeconds(load) };
                    break;
                case "--max-seconds":
                    if (!int.TryParse(value, out var max) || max is < 1 or > 86_400) return Bad("seconds from 1 to 86400");
                    o = o with { MaxDuration = TimeSpan.FromSeconds(max) };
                    break;
                default:
                    return (null, $"unknown option '{name}'");
            }
            i++; // the value
        }
        return (o, null);
    }
}
