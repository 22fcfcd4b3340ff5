using Workbook.Testing;

namespace Workbook.Tools.Tests;

/// <summary>The tools these tests run, from the paths the build wrote into this assembly.</summary>
internal static class Tool
{
    public static ToolProcess NotebookRunner { get; } = new(TestEnvironment.BuildMetadata(typeof(Tool).Assembly, "NotebookRunner"));

    public static ToolProcess Benchmarks { get; } = new(TestEnvironment.BuildMetadata(typeof(Tool).Assembly, "Benchmarks"));

    /// <inheritdoc cref="ToolProcess.German"/>
    public static IReadOnlyDictionary<string, string> German => ToolProcess.German;
}
