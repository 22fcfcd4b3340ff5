namespace Workbook.LoadTesting;

/// <summary>Starts load runs.</summary>
public static class LoadRunner
{
    /// <summary>Starts a run and returns at once; await <see cref="LoadRun.Completion"/> for the result.</summary>
    /// <exception cref="ArgumentException">The test is invalid (a remote URL, no phases, mixed models…).</exception>
    public static LoadRun Start(LoadTest test, CancellationToken cancellationToken = default) => new(test, cancellationToken);

    /// <summary>Runs a load test to the end.</summary>
    public static Task<LoadResult> RunAsync(LoadTest test, CancellationToken cancellationToken = default) =>
        Start(test, cancellationToken).Completion;
}
