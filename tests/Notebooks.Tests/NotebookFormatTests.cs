using System.Text.Json.Nodes;

namespace Notebooks.Tests;

/// <summary>The nbformat 4.5 rules themselves: a valid notebook passes, each kind of mistake is named.</summary>
public class NotebookFormatTests
{
    private static JsonObject Notebook(string cells, int minor = 5) => (JsonObject)JsonNode.Parse($$"""
        { "nbformat": 4, "nbformat_minor": {{minor}},
          "metadata": { "kernelspec": { "name": ".net-csharp", "display_name": ".NET (C#)", "language": "C#" } },
          "cells": [ {{cells}} ] }
        """)!;

    private const string Markdown = """{ "id": "a1", "cell_type": "markdown", "metadata": {}, "source": ["# Title"] }""";
    private const string Code = """
        { "id": "b-2", "cell_type": "code", "metadata": {}, "source": "1 + 1", "execution_count": 1,
          "outputs": [ { "output_type": "execute_result", "execution_count": 1, "data": { "text/plain": "2" }, "metadata": {} },
                       { "output_type": "stream", "name": "stdout", "text": ["hi\n"] } ] }
        """;

    [Fact]
    public void A_valid_notebook_has_no_problems() => Assert.Empty(NotebookFormat.Problems(Notebook($"{Markdown}, {Code}")));

    [Fact]
    public void Each_broken_rule_is_named()
    {
        Assert.Contains("nbformat_minor: must be 5 (cells carry ids)", NotebookFormat.Problems(Notebook(Markdown, minor: 2)));
        Assert.Contains("cells[1].id: 'a1' is not unique", NotebookFormat.Problems(Notebook($"{Markdown}, {Markdown}")));
        Assert.Contains("cells[0]: 'id' is missing", NotebookFormat.Problems(Notebook("""{ "cell_type": "markdown", "metadata": {}, "source": "" }""")));
        Assert.Contains("cells[0].id: must be 1-64 letters, digits, '-' or '_'", NotebookFormat.Problems(Notebook("""{ "id": "a b", "cell_type": "raw", "metadata": {}, "source": "" }""")));
        Assert.Contains("cells[0]: 'outputs' is not allowed", NotebookFormat.Problems(Notebook("""{ "id": "m", "cell_type": "markdown", "metadata": {}, "source": "", "outputs": [] }""")));
        Assert.Contains("cells[0].outputs[0].name: must be stdout or stderr", NotebookFormat.Problems(Notebook(
            """{ "id": "c", "cell_type": "code", "metadata": {}, "source": "", "execution_count": null, "outputs": [ { "output_type": "stream", "name": "out", "text": "" } ] }""")));
    }
}
