using Microsoft.Extensions.Logging;

namespace Workbook.Notebooks;

/// <summary>
/// An <see cref="ILogger"/> that writes each entry as one line to the console — in a notebook, into the cell
/// that is running — so lifecycle events (a worker forked, listening, exiting) show as they happen.
/// </summary>
public sealed class CellLogger(string category, LogLevel minimum = LogLevel.Information) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var level = logLevel >= LogLevel.Warning ? $"{logLevel.ToString().ToLowerInvariant()}: " : "";
        Console.WriteLine($"[{category}] {level}{formatter(state, exception)}" + (exception is null ? "" : $" ({exception.Message})"));
    }
}
