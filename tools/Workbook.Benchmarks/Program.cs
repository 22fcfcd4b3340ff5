// Benchmarks, each a measurement side by side in one run; results in data/benchmarks.
//   Workbook.Benchmarks load-runner [--seconds 5] [--connections 50] [--rounds 3] [--out data/benchmarks]
//   Workbook.Benchmarks cluster [--seconds 5] [--rounds 2] [--out data/benchmarks]
//   Workbook.Benchmarks availability [--rounds 3] [--repetitions 10] [--out data/benchmarks]
//   Workbook.Benchmarks sessions [--seconds 5] [--rounds 3] [--out data/benchmarks]
//   Workbook.Benchmarks report [--seconds 10] [--rounds 3] [--quick] [--note TEXT] [--out data/benchmarks]
// report runs what cluster, availability and load-runner measure, side by side, and writes one CSV per topic plus
// report.md (about 25 minutes). --quick (3 s runs, one round: a few minutes) writes to artifacts/benchmarks/quick
// unless --out says otherwise, so that a quick look does not overwrite the recorded results.
using Workbook.Benchmarks;

var command = args.FirstOrDefault();
int? seconds = null, connections = null, rounds = null, repetitions = null;
string? outDir = null, note = null;
bool quick = false;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--seconds": seconds = int.Parse(Value(ref i)); break;
        case "--connections": connections = int.Parse(Value(ref i)); break;
        case "--rounds": rounds = int.Parse(Value(ref i)); break;
        case "--repetitions": repetitions = int.Parse(Value(ref i)); break;
        case "--note": note = Value(ref i); break;
        case "--out": outDir = Value(ref i); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
outDir ??= quick ? Path.Combine("artifacts", "benchmarks", "quick") : Path.Combine("data", "benchmarks");

return command switch
{
    "load-runner" => await LoadRunnerBenchmark.RunAsync(seconds ?? 5, connections ?? 50, rounds ?? 3, outDir),
    "cluster" => await ClusterBenchmark.RunAsync(seconds ?? 5, rounds ?? 2, outDir),
    "availability" => await AvailabilityBenchmark.RunAsync(rounds ?? 3, repetitions ?? 10, outDir),
    "sessions" => await SessionsBenchmark.RunAsync(seconds ?? 5, rounds ?? 3, outDir),
    "report" => await ReportBenchmark.RunAsync(seconds ?? (quick ? 3 : 10), rounds ?? (quick ? 1 : 3), quick, note, outDir),
    _ => Usage(),
};

string Value(ref int i) => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

static int Usage()
{
    Console.Error.WriteLine("Usage: Workbook.Benchmarks load-runner|cluster|availability|sessions|report [--seconds N] [--connections N] [--rounds N] " +
                            "[--repetitions N] [--quick] [--note TEXT] [--out DIR]");
    return 2;
}
