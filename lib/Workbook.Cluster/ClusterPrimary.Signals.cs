using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Workbook.Processes;

namespace Workbook.Cluster;

// The signals a process manager sends a primary: SIGUSR2 (rolling restart), SIGTERM and SIGINT (shutdown requested).
public sealed partial class ClusterPrimary
{
    private readonly TaskCompletionSource<string> _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _signals = [];

    /// <summary>Completes with "SIGTERM" or "SIGINT" when one arrives, once <see cref="HandleSignals"/> was called.</summary>
    public Task<string> ShutdownRequested => _shutdownRequested.Task;

    /// <summary>
    /// Handles the signals a process manager sends a primary: SIGUSR2 starts a rolling restart (as the notes'
    /// cluster does); SIGTERM and SIGINT complete <see cref="ShutdownRequested"/> instead of ending the process,
    /// so the program can dispose the cluster gracefully. Dispose the result to stop handling them.
    /// </summary>
    public IDisposable HandleSignals()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // Kept in a field as well: a registration that is collected silently stops handling its signal.
        var registrations = new List<PosixSignalRegistration>
        {
            PosixSignalRegistration.Create((PosixSignal)Signals.ToNumber("SIGUSR2"), context =>
            {
                context.Cancel = true;
                _logger?.LogInformation("SIGUSR2: rolling restart");
                _ = RollFromSignalAsync();
            }),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; _shutdownRequested.TrySetResult("SIGTERM"); }),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; _shutdownRequested.TrySetResult("SIGINT"); }),
        };
        lock (_signals) _signals.AddRange(registrations);
        return new SignalHandlers(this, registrations);
    }

    private async Task RollFromSignalAsync()
    {
        try
        {
            await RollingRestartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterException or ObjectDisposedException)
        {
            if (_logger is null) Console.Error.WriteLine(e.Message); // nobody else would tell
        }
    }

    private void StopHandlingSignals()
    {
        lock (_signals)
        {
            foreach (var registration in _signals) registration.Dispose();
            _signals.Clear();
        }
    }

    private sealed class SignalHandlers(ClusterPrimary primary, List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose()
        {
            lock (primary._signals)
            {
                foreach (var registration in registrations)
                {
                    registration.Dispose();
                    primary._signals.Remove(registration);
                }
            }
        }
    }
}
