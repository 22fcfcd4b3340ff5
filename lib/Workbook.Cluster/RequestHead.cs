using System.Text;

namespace Workbook.Cluster;

/// <summary>Just enough of HTTP/1.1 to find one cookie in a request head (a full parser would be the worker's job).</summary>
internal static class RequestHead
{
    private static readonly byte[] End = "\r\n\r\n"u8.ToArray();

    /// <summary>False while the head is incomplete; true once it is, with the cookie's value (or null).</summary>
    public static bool TryFindCookie(ReadOnlySpan<byte> bytes, string name, out string? value)
    {
        value = null;
        var end = bytes.IndexOf(End);
        if (end < 0) return false;
        var head = Encoding.Latin1.GetString(bytes[..end]);
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line.AsSpan(0, colon).Trim().Equals("Cookie", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var pair in line[(colon + 1)..].Split(';'))
            {
                var equals = pair.IndexOf('=');
                if (equals > 0 && pair.AsSpan(0, equals).Trim().SequenceEqual(name))
                {
                    value = pair[(equals + 1)..].Trim().Trim('"');
                    return true;
                }
            }
        }
        return true;
    }
}
