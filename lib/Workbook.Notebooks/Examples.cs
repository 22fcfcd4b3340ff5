namespace Workbook.Notebooks;

/// <summary>The example programs (<c>examples/</c>) the chapters start as processes of their own.</summary>
public static class Examples
{
    /// <summary>
    /// The built program, e.g. <c>Examples.Dll("ComputeServer")</c>: artifacts/bin/ComputeServer/debug/ComputeServer.dll,
    /// found next to this library's own build output.
    /// </summary>
    /// <exception cref="FileNotFoundException">The example was not built (run <c>dotnet build</c> at the repository root).</exception>
    public static string Dll(string name)
    {
        var here = Path.GetDirectoryName(typeof(Examples).Assembly.Location)!;
        var configuration = Path.GetFileName(here);
        var dll = Path.GetFullPath(Path.Combine(here, "..", "..", name, configuration, name + ".dll"));
        return File.Exists(dll) ? dll
            : throw new FileNotFoundException($"The example '{name}' is not built at {dll}. Run 'dotnet build' at the repository root.", dll);
    }
}
