/// <summary>Where a sibling example program is built: artifacts/bin/&lt;Name&gt;/&lt;configuration&gt;/&lt;Name&gt;.dll.</summary>
internal static class ExamplePaths
{
    public static string Dll(string name)
    {
        var configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", name, configuration, name + ".dll"));
    }
}
