using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Notebooks.Tests;

[Collection(NotebookRun.Name)]
public class EveryNotebookTests(ExecutedNotebooks run)
{
    [Fact]
    public void The_runner_executes_every_notebook_and_reports_success()
    {
        Assert.True(run.RunnerExitCode == 0, run.RunnerOutput);
        foreach (var name in ExecutedNotebooks.Names().Select(n => (string)n[0]))
            Assert.Matches(new Regex($@"{Regex.Escape(name)}\s*│\s*\d+\s*│\s*0\s*│"), run.RunnerOutput);
    }

    [Theory]
    [MemberData(nameof(ExecutedNotebooks.Names), MemberType = typeof(ExecutedNotebooks))]
    public void Every_code_cell_ran_and_none_failed(string name)
    {
        var executed = run.Executed(name);

        Assert.Empty(ExecutedNotebooks.Errors(executed).Select(e => e.ToJsonString()));
        var counts = executed["cells"]!.AsArray().OfType<JsonObject>()
            .Where(c => c["cell_type"]!.GetValue<string>() == "code")
            .Select(c => c["execution_count"]?.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Range(1, counts.Count).Select(i => (int?)i), counts);
        Assert.True(File.Exists(Path.Combine(run.OutputFolder, name + ".html")));
    }

    [Theory]
    [MemberData(nameof(ExecutedNotebooks.Names), MemberType = typeof(ExecutedNotebooks))]
    public void Every_notebook_carries_the_metadata_VS_Code_expects(string name)
    {
        foreach (var notebook in new[] { ExecutedNotebooks.Source(name), run.Executed(name) })
        {
            Assert.Equal(4, notebook["nbformat"]!.GetValue<int>());
            Assert.Equal(5, notebook["nbformat_minor"]!.GetValue<int>());
            Assert.Empty(NotebookFormat.Problems(notebook));
            var meta = notebook["metadata"]!;
            Assert.Equal(".net-csharp", meta["kernelspec"]!["name"]!.GetValue<string>());
            Assert.Equal("polyglot-notebook", meta["language_info"]!["name"]!.GetValue<string>());
            Assert.Equal("csharp", meta["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
            foreach (var cell in notebook["cells"]!.AsArray().OfType<JsonObject>().Where(c => c["cell_type"]!.GetValue<string>() == "code"))
            {
                Assert.Equal("csharp", cell["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>());
                Assert.Equal("csharp", cell["metadata"]!["dotnet_interactive"]!["language"]!.GetValue<string>());
            }
        }
    }

    [Theory]
    [MemberData(nameof(ExecutedNotebooks.Names), MemberType = typeof(ExecutedNotebooks))]
    public void Every_code_cell_is_thin(string name)
    {
        // One runnable idea per cell; repeated wiring belongs in lib/ (DESIGN.md: cells stay thin, at most 15 lines).
        var fat = ExecutedNotebooks.CodeCells(ExecutedNotebooks.Source(name))
            .Select((c, i) => (Cell: i + 1, Lines: c.Source.TrimEnd().Split('\n').Length))
            .Where(c => c.Lines > 15).ToList();
        Assert.True(fat.Count == 0, $"{name}: code cells over 15 lines: {string.Join(", ", fat.Select(c => $"#{c.Cell} ({c.Lines})"))}");
    }

    [Theory]
    [MemberData(nameof(ExecutedNotebooks.Names), MemberType = typeof(ExecutedNotebooks))]
    public void Package_versions_in_the_notebook_match_the_solutions(string name)
    {
        var central = XDocument.Load(Path.Combine(ExecutedNotebooks.RepositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        var references = ExecutedNotebooks.CodeCells(ExecutedNotebooks.Source(name))
            .SelectMany(c => Regex.Matches(c.Source, @"#r ""nuget:\s*([^,""]+),\s*([^""]+)""").Select(m => (Id: m.Groups[1].Value.Trim(), Version: m.Groups[2].Value.Trim())))
            .ToList();

        Assert.NotEmpty(references);
        foreach (var (id, version) in references)
        {
            Assert.True(central.ContainsKey(id), $"{name} references {id}, which Directory.Packages.props does not pin");
            Assert.Equal(central[id], version);
        }
    }
}
