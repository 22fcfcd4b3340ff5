namespace Workbook.ClusterTool;

/// <summary>
/// The last lines of an app's log (<see cref="Home.AppLog"/>), read backwards from its end, so a 10 MiB log costs
/// what its last lines do: logs prints them, monit shows them at every refresh.
/// </summary>
internal static class LogTail
{
    private const int Chunk = 64 * 1024;

    /// <summary>Opens the log for reading while the daemon writes, renames (rotates) or deletes it.</summary>
    public static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>The last <paramref name="count"/> lines of <paramref name="path"/>; none when there is no such file.</summary>
    public static async Task<List<string>> LastLinesAsync(string path, int count, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var file = Open(path);
            return await LastLinesAsync(file, count, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    /// <summary>
    /// The last <paramref name="count"/> lines of <paramref name="file"/> (a line is what <see cref="StreamReader.ReadLine"/>
    /// reads), leaving it at the end it had when called: what is written next is read next.
    /// </summary>
    public static async Task<List<string>> LastLinesAsync(FileStream file, int count, CancellationToken cancellationToken = default)
    {
        var end = file.Length;
        var start = count == 0 ? end : await StartOfLastAsync(file, end, count, cancellationToken);
        var bytes = new byte[end - start];
        file.Position = start;
        await file.ReadExactlyAsync(bytes, cancellationToken);
        using var reader = new StreamReader(new MemoryStream(bytes));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line) lines.Add(line);
        return lines.Count > count ? lines[^count..] : lines;
    }

    /// <summary>
    /// Where the last <paramref name="count"/> lines before <paramref name="end"/> start: after the (count + 1)th
    /// newline from the end, not counting one that ends the file, or 0. ('\n' is never part of a longer UTF-8 character.)
    /// </summary>
    private static async Task<long> StartOfLastAsync(FileStream file, long end, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Chunk];
        var newlines = 0;
        for (var at = end; at > 0;)
        {
            var length = (int)Math.Min(Chunk, at);
            at -= length;
            file.Position = at;
            await file.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            for (int i = length - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n' || at + i == end - 1) continue;
                if (++newlines > count) return at + i + 1;
            }
        }
        return 0;
    }
}
