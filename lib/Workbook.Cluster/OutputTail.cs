namespace Workbook.Cluster;

/// <summary>The last lines a worker wrote to stderr, for the error when it fails to start.</summary>
internal sealed class OutputTail(int lines)
{
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            while (_lines.Count > lines) _lines.Dequeue();
        }
    }

    public string Text()
    {
        lock (_lines) return string.Join("\n", _lines);
    }
}
