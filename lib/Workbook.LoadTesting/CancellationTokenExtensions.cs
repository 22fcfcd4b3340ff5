namespace Workbook.LoadTesting;

internal static class CancellationTokenExtensions
{
    /// <summary>A task that completes when the token is cancelled.</summary>
    public static Task WhenCanceled(this CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}
