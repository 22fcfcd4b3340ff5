// Benchmarks, each a measurement side by side in one run; results in data/benchmarks.
//   Workbook.Benchmarks load-runner [--seconds 5] [--connections 50] [--rounds 3] [--out data/benchmarks]
//   Workbook.Benchmarks cluster [--seconds 5] [--rounds 2] [--out data/benchmarks]
//   Workbook.Benchmarks availability [--rounds 3] [--repetitions 10] [--out data/benchmarks]
//   Workbook.Benchmarks sessions [--seconds 5] [--rounds 3] [--out data/benchmarks]
//   Workbook.Benchmarks report [--seconds 10] [--rounds 3] [--quick] [--note TEXT] [--out data/benchmarks]
// report runs what cluster, availability and load-runner measure, side by side, and writes one CSV per topic plus
// report.md (about 25 minutes). --quick (3 s runs, one round: a few minutes) writes to artifacts/benchmarks/quick
// unless --out says otherwise, so that a quick look does not overwrite the recorded results. A bad option: exit code 2.
using Workbook.Benchmarks;

var command = args.FirstOrDefault();
int? seconds = null, connections = null, rounds = null, repetitions = null;
string? outDir = null, note = null;
bool quick = false;
// A bad option is the user's mistake, not a crash: one line naming it and the usage, no stack trace.
try
{
    for (int i = 1; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--quick": quick = true; break;
            case "--seconds": seconds = Number(ref i); break;
            case "--connections": connections = Number(ref i); break;
            case "--rounds": rounds = Number(ref i); break;
            case "--repetitions": repetitions = Number(ref i); break;
            case "--note": note = Value(ref i); break;
            case "--out": outDir = Value(ref i); break;
            default: throw new ArgumentException($"unknown option {args[i]}");
        }
    }
    // Elsewhere --quick would only redirect the output folder, silently.
    if (quick && command != "report") throw new ArgumentException("--quick is only for report");
}
catch (ArgumentException e)
{
    return Usage(e.Message);
}
outDir ??= quick ? Path.Combine("artifacts", "benchmarks", "quick") : Path.Combine("data", "benchmarks");

return command switch
{
    "load-runner" => await LoadRunnerBenchmark.RunAsync(seconds ?? 5, connections ?? 50, rounds ?? 3, outDir),
    "cluster" => await ClusterBenchmark.RunAsync(seconds ?? 5, rounds ?? 2, outDir),
    "availability" => await AvailabilityBenchmark.RunAsync(rounds ?? 3, repetitions ?? 10, outDir),
    "sessions" => await SessionsBenchmark.RunAsync(seconds ?? 5, rounds ?? 3, outDir),
    "report" => await ReportBenchmark.RunAsync(seconds ?? (quick ? 3 : 10), rounds ?? (quick ? 1 : 3), quick, note, outDir),
    _ => Usage(command is null ? "no command" : $"unknown command {command}"),
};

// The next argument; another option in its place means the value is missing.
string Value(ref int i) => ++i < args.Length && !args[i].StartsWith("--") ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

// Zero or fewer seconds, rounds or connections would measure nothing.
int Number(ref int i)
{
    var option = args[i];
    var text = Value(ref i);
    return int.TryParse(text, out var n) && n > 0 ? n : throw new ArgumentException($"{option} needs a positive whole number, not {text}");
}

static int Usage(string problem)
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine("Usage: Workbook.Benchmarks load-runner|cluster|availability|sessions|report [--seconds N] [--connections N] [--rounds N] " +
                            "[--repetitions N] [--quick] [--note TEXT] [--out DIR]");
    return 2;
}
