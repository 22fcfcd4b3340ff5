using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Workbook.Processes;

namespace Workbook.Notebooks;

/// <summary>Shows what a child process prints, in the cell, while it runs.</summary>
public static class LiveOutput
{
    /// <summary>Most characters kept on screen; older output is summarised in one line.</summary>
    public const int MaxShownCharacters = 20_000;

    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Displays the child's stdout and stderr (stderr in red) and updates the display as output arrives, until
    /// the child's streams close; then adds how it exited and returns that. A child that could not start shows
    /// its error, which is then thrown.
    /// </summary>
    public static async Task<ChildExit> ShowOutputAsync(this ChildProcess child, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(child);
        var view = new View(string.Join(' ', child.SpawnArgs));
        var display = Show(view.Render());
        child.Stdout?.Data += text => view.Append(text, isError: false);
        child.Stderr?.Data += text => view.Append(text, isError: true);

        var closed = child.Closed;
        while (!closed.IsCompleted)
        {
            await Task.WhenAny(closed, Task.Delay(RefreshEvery, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (view.TakeChanged()) Update(display, view.Render());
        }

        try
        {
            var exit = await closed;
            view.Finish($"exited with {exit}", failed: !exit.Success);
            return exit;
        }
        catch (SpawnException e)
        {
            view.Finish(e.Message, failed: true);
            throw;
        }
        finally
        {
            Update(display, view.Render());
        }
    }

    private static DisplayedValue? Show(IHtmlContent html)
    {
        if (KernelInvocationContext.Current is { } context) return context.Display(html, HtmlFormatter.MimeType);
        return null; // outside a notebook there is nowhere to show it
    }

    private static void Update(DisplayedValue? display, IHtmlContent html) => display?.Update(html);

    /// <summary>The accumulated output as HTML; updated from the readers' threads.</summary>
    private sealed class View(string command)
    {
        private readonly object _gate = new();
        private readonly List<(string Text, bool IsError)> _parts = [];
        private int _length;
        private int _dropped;
        private bool _changed;
        private string? _footer;
        private bool _failed;

        public void Append(string text, bool isError)
        {
            lock (_gate)
            {
                if (_parts.Count > 0 && _parts[^1].IsError == isError) _parts[^1] = (_parts[^1].Text + text, isError);
                else _parts.Add((text, isError));
                _length += text.Length;
                while (_length > MaxShownCharacters && _parts.Count > 0)
                {
                    int excess = _length - MaxShownCharacters;
                    var (first, err) = _parts[0];
                    if (first.Length <= excess) _parts.RemoveAt(0);
                    else _parts[0] = (first[excess..], err);
                    int removed = Math.Min(first.Length, excess);
                    _length -= removed;
                    _dropped += removed;
                }
                _changed = true;
            }
        }

        public bool TakeChanged()
        {
            lock (_gate)
            {
                var was = _changed;
                _changed = false;
                return was;
            }
        }

        public void Finish(string footer, bool failed)
        {
            lock (_gate)
            {
                _footer = footer;
                _failed = failed;
            }
        }

        public IHtmlContent Render()
        {
            var html = new StringBuilder();
            lock (_gate)
            {
                html.Append("<div class=\"wb-live\"><div style=\"opacity:.7\">$ ").Append(WebUtility.HtmlEncode(command)).Append("</div>");
                html.Append("<pre style=\"margin:0;max-height:24em;overflow:auto\">");
                if (_dropped > 0) html.Append($"<i>… {_dropped:N0} earlier characters not shown</i>\n");
                foreach (var (text, isError) in _parts)
                {
                    if (isError) html.Append("<span style=\"color:#c62828\">").Append(WebUtility.HtmlEncode(text)).Append("</span>");
                    else html.Append(WebUtility.HtmlEncode(text));
                }
                html.Append("</pre>");
                if (_footer is not null)
                {
                    var color = _failed ? "#c62828" : "#2e7d32";
                    html.Append($"<div style=\"color:{color}\">{WebUtility.HtmlEncode(_footer)}</div>");
                }
                else html.Append("<div style=\"opacity:.7\">running…</div>");
                html.Append("</div>");
            }
            return new HtmlString(html.ToString());
        }
    }
}
