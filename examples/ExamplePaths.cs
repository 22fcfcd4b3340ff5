/// <summary>
/// Where a program of this repository is built, beside the assembly that asks: artifacts/bin/&lt;Name&gt;/&lt;configuration&gt;/&lt;Name&gt;.dll.
/// The one implementation: compiled into the examples and tools that start a sibling program, and into
/// Workbook.Notebooks, whose public <c>Examples.Dll</c> the chapters call (from a kernel whose base directory is not ours).
/// </summary>
internal static class ExamplePaths
{
    /// <exception cref="FileNotFoundException">The program was not built (run <c>dotnet build</c> at the repository root).</exception>
    public static string Dll(string name)
    {
        var here = Path.GetDirectoryName(typeof(ExamplePaths).Assembly.Location)!;
        var configuration = Path.GetFileName(here);
        var dll = Path.GetFullPath(Path.Combine(here, "..", "..", name, configuration, name + ".dll"));
        return File.Exists(dll) ? dll
            : throw new FileNotFoundException($"The example '{name}' is not built at {dll}. Run 'dotnet build' at the repository root.", dll);
    }
}
