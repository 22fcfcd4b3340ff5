// Benchmarks, each a measurement side by side in one run; results in data/benchmarks.
//   Workbook.Benchmarks load-runner [--seconds 5] [--connections 50] [--rounds 3] [--out data/benchmarks]
//   Workbook.Benchmarks cluster [--seconds 5] [--rounds 2] [--out data/benchmarks]
//   Workbook.Benchmarks availability [--rounds 3] [--repetitions 10] [--out data/benchmarks]
//   Workbook.Benchmarks sessions [--seconds 5] [--rounds 3] [--out data/benchmarks]
using Workbook.Benchmarks;

var command = args.FirstOrDefault();
int? seconds = null, connections = null, rounds = null, repetitions = null;
string outDir = Path.Combine("data", "benchmarks");
for (int i = 1; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seconds": seconds = int.Parse(args[i + 1]); break;
        case "--connections": connections = int.Parse(args[i + 1]); break;
        case "--rounds": rounds = int.Parse(args[i + 1]); break;
        case "--repetitions": repetitions = int.Parse(args[i + 1]); break;
        case "--out": outDir = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

return command switch
{
    "load-runner" => await LoadRunnerBenchmark.RunAsync(seconds ?? 5, connections ?? 50, rounds ?? 3, outDir),
    "cluster" => await ClusterBenchmark.RunAsync(seconds ?? 5, rounds ?? 2, outDir),
    "availability" => await AvailabilityBenchmark.RunAsync(rounds ?? 3, repetitions ?? 10, outDir),
    "sessions" => await SessionsBenchmark.RunAsync(seconds ?? 5, rounds ?? 3, outDir),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: Workbook.Benchmarks load-runner|cluster|availability|sessions [--seconds N] [--connections N] [--rounds N] [--repetitions N] [--out DIR]");
    return 2;
}
