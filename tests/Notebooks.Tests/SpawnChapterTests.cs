namespace Notebooks.Tests;

/// <summary>What chapter 01 must show, read from its executed outputs.</summary>
[Collection(NotebookRun.Name)]
public class SpawnChapterTests(ExecutedNotebooks run)
{
    private const string Chapter = "01-spawn";

    private string Cell(string id) => run.CellOutput(Chapter, id);

    [Fact]
    public void Pwd_printed_the_notebooks_folder_and_exit_and_close_fired()
    {
        var output = Cell("dcddfafc"); // spawn pwd
        Assert.Contains($"stdout: {ExecutedNotebooks.NotebooksFolder}\n", output);
        Assert.Contains("exit:  code 0, signal null", output);
        Assert.Contains("close: code 0", output);
    }

    [Fact]
    public void Close_came_after_the_background_grandchild_released_stdout()
    {
        var output = Cell("ad75feed"); // sleep 1 & holds stdout: exit before close
        var exitMs = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"exit\s+after\s+(\d+) ms").Groups[1].Value);
        var closeMs = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"close after\s+(\d+) ms").Groups[1].Value);
        Assert.True(closeMs - exitMs >= 900, $"exit at {exitMs} ms, close at {closeMs} ms");
    }

    [Fact]
    public void The_missing_command_showed_ENOENT_and_no_pid()
    {
        var output = Cell("a9cf34ac"); // a command that does not exist
        Assert.Contains("error: spawn no-such-command ENOENT", output);
        Assert.Contains("await Exited threw SpawnException with code ENOENT", output);
        Assert.Contains("pid: null", output);
        Assert.DoesNotContain("exit (never printed", output);
    }

    [Fact]
    public void The_file_counts_equal_what_find_finds_on_disk()
    {
        var files = Directory.GetFiles(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree"), "*", SearchOption.AllDirectories);
        Assert.Contains($"Number of files: {files.Length}\n", Cell("da186228")); // find | wc -l by piping two children
        Assert.Contains($"CliWrap: {files.Length} files, exit code 0", Cell("8a0740de")); // the same pipeline with CliWrap
        var listed = Cell("379c07af"); // find's output shown as it comes
        foreach (var file in files)
            Assert.Contains("../data/spawn-tree/" + Path.GetRelativePath(Path.Combine(ExecutedNotebooks.RepositoryRoot, "data", "spawn-tree"), file), listed);
        Assert.Contains("exited with code 0", listed);
    }

    [Fact]
    public void Find_reported_the_missing_folder_on_stderr_with_code_1()
    {
        var output = Cell("b78f10c9"); // find with a folder that does not exist
        Assert.Contains("No such file or directory", output);
        Assert.Contains("find exited with code 1", output);
    }

    [Fact]
    public void Wc_counted_what_was_written_to_its_stdin()
    {
        Assert.Matches(@"lines, words, bytes:\s+2\s+9\s+44", Cell("91f59fd3")); // writing to wc's stdin
        Assert.Contains("poem.txt has 6 lines", Cell("469d7bed")); // a file copied into wc -l
    }

    [Fact]
    public void The_killed_child_reported_its_signal_and_the_check_cell_passed()
    {
        Assert.Contains("exit: code null, signal SIGTERM", Cell("e2be2681")); // sleep 30 killed
        var checks = Cell("bf967b3b"); // the check cell
        ExecutedNotebooks.AllChecksPassed(checks, 6);
    }
}
