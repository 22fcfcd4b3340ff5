using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Workbook.Tools;

namespace Workbook.Benchmarks;

/// <summary>What every benchmark but the report takes: where its results go.</summary>
internal abstract class BenchmarkArgs : CommandSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Where the results (.md, .json, .csv) go")]
    [DefaultValue("data/benchmarks")]
    public string Out { get; init; } = "data/benchmarks";
}

/// <summary>The load-runner benchmark: the sessions one's runs and rounds, and how many connections each generator opens.</summary>
internal sealed class LoadRunnerArgs : SessionsArgs
{
    [CommandOption("--connections <N>")]
    [Description("Connections of each load generator")]
    [DefaultValue(50)]
    [Within(1, 10_000)]
    public int Connections { get; init; } = 50;
}

internal sealed class ClusterArgs : BenchmarkArgs
{
    [CommandOption("--seconds <N>")]
    [Description("Seconds per load run")]
    [DefaultValue(5)]
    [Within(1, 3_600)]
    public int Seconds { get; init; } = 5;

    [CommandOption("--rounds <N>")]
    [Description("Interleaved rounds; the medians are reported")]
    [DefaultValue(2)]
    [Within(1, 100)]
    public int Rounds { get; init; } = 2;
}

internal sealed class AvailabilityArgs : BenchmarkArgs
{
    [CommandOption("--rounds <N>")]
    [Description("Interleaved rounds of the random-crash runs")]
    [DefaultValue(3)]
    [Within(1, 100)]
    public int Rounds { get; init; } = 3;

    [CommandOption("--repetitions <N>")]
    [Description("Rolling restarts under load, for each of ours, the notes' code and PM2")]
    [DefaultValue(10)]
    [Within(1, 1_000)]
    public int Repetitions { get; init; } = 10;
}

/// <summary>The soak: its length, bounded.</summary>
internal sealed class SoakArgs : BenchmarkArgs
{
    [CommandOption("--minutes <N>")]
    [Description("Minutes of load, crashes and reloads")]
    [DefaultValue(20)]
    [Within(1, 120)]
    public int Minutes { get; init; } = 20;
}

/// <summary>Runs of a few seconds, repeated in interleaved rounds.</summary>
internal class SessionsArgs : BenchmarkArgs
{
    [CommandOption("--seconds <N>")]
    [Description("Seconds per load run")]
    [DefaultValue(5)]
    [Within(1, 3_600)]
    public int Seconds { get; init; } = 5;

    [CommandOption("--rounds <N>")]
    [Description("Interleaved rounds; the medians are reported")]
    [DefaultValue(3)]
    [Within(1, 100)]
    public int Rounds { get; init; } = 3;
}

/// <summary>--quick: 3 s runs, one round, written to artifacts/benchmarks/quick, so a quick look does not overwrite the recorded results.</summary>
internal sealed class ReportArgs : CommandSettings
{
    [CommandOption("--seconds <N>")]
    [Description("Seconds per load run. Default: 10, or 3 with --quick")]
    [Within(1, 3_600)]
    public int? Seconds { get; init; }

    [CommandOption("--rounds <N>")]
    [Description("Interleaved rounds of every comparison. Default: 3, or 1 with --quick")]
    [Within(1, 100)]
    public int? Rounds { get; init; }

    [CommandOption("--quick")]
    [Description("A quick look: 3 s runs, one round (a few minutes instead of about 25)")]
    [DefaultValue(false)]
    public bool Quick { get; init; }

    [CommandOption("--note <TEXT>")]
    [Description("A line for report.md, e.g. what else ran on the machine. Default: none")]
    public string? Note { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Where the CSV files and report.md go. Default: data/benchmarks, or artifacts/benchmarks/quick with --quick")]
    public string? Out { get; init; }

    [CommandOption("--only <TOPICS>")]
    [Description("Only these topics, comma-separated: cluster-policies, node-vs-ours, availability, rolling-restart, cluster-tool, worker-start, load-runner. Default: all")]
    public string? Only { get; init; }

    public override ValidationResult Validate()
    {
        var unknown = ReportBenchmark.UnknownTopics(Only);
        return unknown.Count == 0 ? ValidationResult.Success()
            : ValidationResult.Error($"--only: no topic named {string.Join(", ", unknown.Select(t => $"'{t}'"))}; the topics are {string.Join(", ", ReportBenchmark.Topics)}.");
    }
}

internal sealed class LoadRunnerCommand : AsyncCommand<LoadRunnerArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, LoadRunnerArgs s, CancellationToken cancellationToken) =>
        LoadRunnerBenchmark.RunAsync(s.Seconds, s.Connections, s.Rounds, s.Out);
}

internal sealed class ClusterCommand : AsyncCommand<ClusterArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, ClusterArgs s, CancellationToken cancellationToken) =>
        ClusterBenchmark.RunAsync(s.Seconds, s.Rounds, s.Out);
}

internal sealed class AvailabilityCommand : AsyncCommand<AvailabilityArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, AvailabilityArgs s, CancellationToken cancellationToken) =>
        AvailabilityBenchmark.RunAsync(s.Rounds, s.Repetitions, s.Out);
}

internal sealed class SessionsCommand : AsyncCommand<SessionsArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, SessionsArgs s, CancellationToken cancellationToken) =>
        SessionsBenchmark.RunAsync(s.Seconds, s.Rounds, s.Out);
}

internal sealed class SoakCommand : AsyncCommand<SoakArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, SoakArgs s, CancellationToken cancellationToken) =>
        SoakBenchmark.RunAsync(s.Minutes, s.Out, cancellationToken);
}

internal sealed class ReportCommand : AsyncCommand<ReportArgs>
{
    public override Task<int> ExecuteAsync(CommandContext context, ReportArgs s, CancellationToken cancellationToken) =>
        ReportBenchmark.RunAsync(s.Seconds ?? (s.Quick ? 3 : 10), s.Rounds ?? (s.Quick ? 1 : 3), s.Quick, s.Note,
            s.Out ?? (s.Quick ? Path.Combine("artifacts", "benchmarks", "quick") : Path.Combine("data", "benchmarks")), ReportBenchmark.Selected(s.Only));
}
