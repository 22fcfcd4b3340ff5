namespace Workbook.Notebooks;

/// <summary>The example programs (<c>examples/</c>) the chapters start as processes of their own.</summary>
public static class Examples
{
    /// <summary>
    /// The built program, e.g. <c>Examples.Dll("ComputeServer")</c>: artifacts/bin/ComputeServer/debug/ComputeServer.dll,
    /// found next to this library's own build output (by examples/ExamplePaths.cs, which the examples use too).
    /// </summary>
    /// <exception cref="FileNotFoundException">The example was not built (run <c>dotnet build</c> at the repository root).</exception>
    public static string Dll(string name) => ExamplePaths.Dll(name);
}
