using Workbook.Processes;

namespace Workbook.Cluster;

// The workers' stdout and stderr, forwarded line by line with the worker's id in front.
public sealed partial class ClusterPrimary
{
    private readonly TextWriter? _workerOutput;

    private void ForwardLines(ChildReadable stream, string prefix, bool error, OutputTail? tail)
    {
        var pending = new System.Text.StringBuilder();
        stream.Data += text =>
        {
            pending.Append(text);
            var all = pending.ToString();
            var lastNewline = all.LastIndexOf('\n');
            if (lastNewline < 0) return;
            pending.Clear().Append(all[(lastNewline + 1)..]);
            foreach (var line in all[..lastNewline].Split('\n'))
            {
                tail?.Add(line);
                var writer = _workerOutput ?? (error ? Console.Error : Console.Out);
                try
                {
                    writer.WriteLine(prefix + line);
                }
                catch (ObjectDisposedException)
                {
                    // The output closed; the tail still keeps the line.
                }
            }
        };
    }
}
