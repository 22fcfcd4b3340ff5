using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Workbook.Demo;

/// <summary>
/// What happened, as it happened: the cluster's lifecycle log (it is the primary's <see cref="ILogger"/>), the
/// workers' output and the demo's own actions. The dashboard shows the last few lines; plain output prints each.
/// </summary>
internal sealed class EventLog : ILogger
{
    private const int Kept = 8;
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly Queue<string> _recent = new();

    /// <summary>Every line, as it is added (with its time since the start).</summary>
    public event Action<string>? Added;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    public void Add(string text)
    {
        var line = $"{Elapsed.TotalSeconds,6:0.0}s  {text}";
        lock (_recent)
        {
            _recent.Enqueue(line);
            while (_recent.Count > Kept) _recent.Dequeue();
        }
        Added?.Invoke(line);
    }

    public IReadOnlyList<string> Recent()
    {
        lock (_recent) return [.. _recent];
    }

    /// <summary>Worker output (stdout and stderr, line by line) into the log.</summary>
    public TextWriter Writer() => new LineWriter(this);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        Add((logLevel >= LogLevel.Warning ? $"{logLevel.ToString().ToLowerInvariant()}: " : "") + formatter(state, exception));
    }

    /// <summary>The cluster writes each worker line with WriteLine; anything else is gathered up to a newline.</summary>
    private sealed class LineWriter(EventLog log) : TextWriter
    {
        private readonly System.Text.StringBuilder _pending = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            lock (_pending)
            {
                log.Add(_pending.Append(value).ToString());
                _pending.Clear();
            }
        }

        public override void Write(char value)
        {
            lock (_pending)
            {
                if (value != '\n') _pending.Append(value);
                else
                {
                    log.Add(_pending.ToString().TrimEnd('\r'));
                    _pending.Clear();
                }
            }
        }
    }
}
