using System.Threading.Channels;

namespace Workbook.Demo;

/// <summary>
/// The keys pressed, as characters. From a terminal: <see cref="Console.ReadKey(bool)"/>, polled so it can stop.
/// When stdin is redirected (a script drives the demo) ReadKey throws, so characters are read from
/// <see cref="Console.In"/> instead, and its end counts as <c>q</c>: the script is done.
/// </summary>
internal static class KeyInput
{
    public const char Quit = 'q';

    public static ChannelReader<char> Start(CancellationToken stop)
    {
        var keys = Channel.CreateUnbounded<char>(new UnboundedChannelOptions { SingleReader = true });
        if (Console.IsInputRedirected)
        {
            // A blocking read that cannot be cancelled: a background thread, so it never holds the process up.
            new Thread(() => ReadRedirected(keys.Writer)) { IsBackground = true, Name = "stdin keys" }.Start();
        }
        else
        {
            _ = Task.Run(() => ReadTerminalAsync(keys.Writer, stop));
        }
        return keys.Reader;
    }

    private static void ReadRedirected(ChannelWriter<char> keys)
    {
        try
        {
            int c;
            while ((c = Console.In.Read()) >= 0)
            {
                if (!char.IsWhiteSpace((char)c)) keys.TryWrite((char)c);
            }
        }
        catch (IOException)
        {
            // stdin broke: as good as its end.
        }
        keys.TryWrite(Quit);
        keys.TryComplete();
    }

    private static async Task ReadTerminalAsync(ChannelWriter<char> keys, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (Console.KeyAvailable) keys.TryWrite(Console.ReadKey(intercept: true).KeyChar);
                else await Task.Delay(50, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
            // No console to read keys from after all: quit and Ctrl+C / SIGTERM still stop the demo.
        }
        keys.TryComplete();
    }
}
