using System.Buffers.Binary;
using System.Net.Sockets;
using Workbook.Cluster.Native;

namespace Workbook.Cluster;

/// <summary>One connection the primary handed to this worker (round-robin; see <see cref="HandOffReceiver"/>).</summary>
public sealed class HandedConnection
{
    private readonly uint _id;
    private readonly int _handOffSocket;
    private int _settled;

    internal HandedConnection(Socket socket, uint id, int handOffSocket)
    {
        Socket = socket;
        _id = id;
        _handOffSocket = handOffSocket;
    }

    /// <summary>The accepted connection, the worker's to read, answer and close.</summary>
    public Socket Socket { get; }

    /// <summary>
    /// Tells the primary this connection's first answer went out, or that it closed: it no longer counts against
    /// the hand-off limit (<see cref="ClusterSettings.HandOffLimit"/>). Once; later calls do nothing.
    /// </summary>
    public void Settle()
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0) return;
        Span<byte> message = stackalloc byte[HandOff.MessageLength];
        message[0] = HandOff.SettledTag;
        BinaryPrimitives.WriteUInt32LittleEndian(message[1..], _id);
        FdPassing.Send(_handOffSocket, -1, message); // fails only when the primary is gone, and then nobody waits for it
    }
}
