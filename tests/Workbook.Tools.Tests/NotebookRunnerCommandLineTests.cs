using System.Text.Json.Nodes;

namespace Workbook.Tools.Tests;

/// <summary>tools/Workbook.NotebookRunner's command line, and one tiny notebook run through it.</summary>
public class NotebookRunnerCommandLineTests
{
    [Fact]
    public async Task Help_lists_every_option_with_its_default()
    {
        var (code, stdout, _) = await Tool.NotebookRunner.RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("[paths]", stdout);
        Assert.Contains("(default: notebooks)", stdout);
        Assert.Matches(@"--out <DIR>\s+artifacts/notebooks\s", stdout);
        Assert.Matches(@"--cell-timeout <SECONDS>\s+180\s", stdout);
        Assert.DoesNotContain("--execute", stdout); // the worker's side, not for users
    }

    [Theory]
    [InlineData("--cell-timeout needs a number, not 'abc'", "--cell-timeout", "abc")]
    [InlineData("--cell-timeout needs a value", "--cell-timeout")]
    [InlineData("--out needs a value", "--out")]
    [InlineData("--cell-timeout must be more than 0 and at most 86400, not 0", "--cell-timeout", "0")]
    [InlineData("unknown option '--nope'", "--nope")]
    [InlineData("no notebook or folder at 'no-such-folder'", "no-such-folder")]
    public Task A_bad_command_line_is_named_with_exit_code_2(string message, params string[] args) =>
        Tool.NotebookRunner.AssertRefusedAsync(message, args);

    [Fact]
    public async Task On_a_German_machine_a_notebook_runs_with_a_cell_timeout_written_as_in_CSharp()
    {
        var folder = Directory.CreateTempSubdirectory("wb-runner-");
        try
        {
            var notebook = Path.Combine(folder.FullName, "tiny.ipynb");
            File.WriteAllText(notebook, Tiny("Console.WriteLine(6 * 7);"));
            var output = Path.Combine(folder.FullName, "out");

            var (code, stdout, stderr) = await Tool.NotebookRunner.RunAsync(Tool.German, notebook, "--out", output, "--cell-timeout", "60.5");

            Assert.True(code == 0, stdout + stderr);
            var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "tiny.ipynb")))!;
            Assert.Contains("42", executed["cells"]![0]!["outputs"]!.ToJsonString());
            Assert.True(File.Exists(Path.Combine(output, "tiny.html")));

            (code, _, stderr) = await Tool.NotebookRunner.RunAsync(Tool.German, notebook, "--cell-timeout", "60,5");
            Assert.Equal(2, code);
            Assert.Contains("--cell-timeout needs a number, not '60,5'", stderr);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Tiny(string code) => new JsonObject
    {
        ["cells"] = new JsonArray(new JsonObject
        {
            ["cell_type"] = "code", ["id"] = "c1", ["execution_count"] = null, ["metadata"] = new JsonObject(),
            ["outputs"] = new JsonArray(), ["source"] = new JsonArray(code),
        }),
        ["metadata"] = new JsonObject(),
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    }.ToJsonString();
}
