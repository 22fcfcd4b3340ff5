namespace Workbook.Processes.Tests;

/// <summary>Small helpers so each test reads as what it checks.</summary>
internal static class Run
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>The dummy program (tests/Workbook.Processes.Tests.Dummy): a child or parent with one behaviour per mode.</summary>
    public static string Dummy { get; } = Workbook.Testing.TestEnvironment.BuildMetadata(typeof(Run).Assembly, "Dummy");


    /// <summary>Reads both streams to the end and waits for 'close'.</summary>
    public static async Task<(string Stdout, string Stderr, ChildExit Exit)> ToEnd(ChildProcess child)
    {
        var stdout = child.Stdout!.ReadToEndAsync();
        var stderr = child.Stderr!.ReadToEndAsync();
        var exit = await child.Closed.WaitAsync(Timeout);
        return (await stdout.WaitAsync(Timeout), await stderr.WaitAsync(Timeout), exit);
    }

    /// <summary>A fresh directory under /tmp, removed by the caller.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wb-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
