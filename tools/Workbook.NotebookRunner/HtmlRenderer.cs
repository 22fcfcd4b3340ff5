using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Markdig;

namespace Workbook.NotebookRunner;

/// <summary>An executed notebook as one self-contained HTML page: markdown rendered, images inline.</summary>
public static class HtmlRenderer
{
    private static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private const string Style = """
        body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
        pre { background: #f6f8fa; padding: .6em .8em; overflow-x: auto; border-radius: 4px; }
        .cell { margin: 1em 0; }
        .prompt { color: #888; font: 12px monospace; }
        .source { border-left: 3px solid #4a7bd0; }
        .stderr { color: #b71c1c; }
        .error { background: #fdecea; color: #b71c1c; }
        .output { margin: .3em 0 .3em 1.2em; }
        table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2em .6em; }
        """;

    public static string Render(NotebookDocument notebook)
    {
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Encode(notebook.Name)}</title>");
        html.Append($"<style>{Style}</style></head><body><main>\n");
        foreach (var cell in notebook.Cells)
        {
            var source = NotebookDocument.Source(cell);
            if (NotebookDocument.CellType(cell) == "markdown")
            {
                html.Append("<section class=\"cell markdown\">").Append(Markdig.Markdown.ToHtml(source, Markdown)).Append("</section>\n");
                continue;
            }
            if (NotebookDocument.CellType(cell) != "code") continue;
            var count = cell["execution_count"]?.ToString() ?? " ";
            html.Append($"<section class=\"cell code\"><div class=\"prompt\">[{count}]</div>");
            html.Append($"<pre class=\"source\"><code class=\"language-csharp\">{Encode(source)}</code></pre>");
            foreach (var output in cell["outputs"]?.AsArray().OfType<JsonObject>() ?? [])
                html.Append("<div class=\"output\">").Append(RenderOutput(output)).Append("</div>");
            html.Append("</section>\n");
        }
        html.Append("</main></body></html>\n");
        return html.ToString();
    }

    private static string RenderOutput(JsonObject output)
    {
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                var name = output["name"]?.GetValue<string>() ?? "stdout";
                return $"<pre class=\"{name}\">{Encode(NotebookDocument.JoinLines(output["text"]))}</pre>";
            case "error":
                var traceback = string.Join("\n", output["traceback"]?.AsArray().Select(l => l?.GetValue<string>()) ?? []);
                return $"<pre class=\"error\">{Encode(output["ename"] + ": " + traceback)}</pre>";
            default:
                var data = output["data"] as JsonObject ?? [];
                if (data["text/html"] is { } h) return NotebookDocument.JoinLines(h);
                if (data["image/png"] is { } png) return $"<img src=\"data:image/png;base64,{NotebookDocument.JoinLines(png).Trim()}\">";
                if (data["image/svg+xml"] is { } svg) return NotebookDocument.JoinLines(svg);
                if (data["text/plain"] is { } t) return $"<pre>{Encode(NotebookDocument.JoinLines(t))}</pre>";
                return "";
        }
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
