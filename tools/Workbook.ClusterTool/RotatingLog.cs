using System.Text;

namespace Workbook.ClusterTool;

/// <summary>
/// An app's log (pm2-logrotate's job): lines are appended to NAME.log; once it passes <c>maxBytes</c> it becomes
/// NAME.log.1 (the older ones move up to .<c>keep</c>, the oldest is dropped) and a new NAME.log starts. Files are 0600.
/// </summary>
internal sealed class RotatingLog(string path, long maxBytes, int keep = 3) : TextWriter
{
    private readonly object _gate = new();
    private FileStream _file = Home.Append(path);

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var bytes = Encoding.UTF8.GetBytes(value);
        lock (_gate)
        {
            _file.Write(bytes);
            _file.Flush();
            if (value.EndsWith('\n') && _file.Length > maxBytes) Rotate();
        }
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    protected override void Dispose(bool disposing)
    {
        if (disposing) lock (_gate) _file.Dispose();
        base.Dispose(disposing);
    }

    private void Rotate()
    {
        _file.Dispose();
        File.Delete($"{path}.{keep}");
        for (int i = keep - 1; i >= 1; i--)
        {
            if (File.Exists($"{path}.{i}")) File.Move($"{path}.{i}", $"{path}.{i + 1}");
        }
        File.Move(path, $"{path}.1");
        _file = Home.Append(path);
    }
}
