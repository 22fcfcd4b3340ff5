// Passing an accepted connection's descriptor to another process needs sendmsg/recvmsg with SCM_RIGHTS, which
// .NET does not expose; this is the round-robin hand-off Node's primary does over its own channel.
using System.Runtime.InteropServices;
using Workbook.Processes.Native;

namespace Workbook.Cluster.Native;

/// <summary>Sends and receives file descriptors over a Unix socket (one descriptor per message).</summary>
internal static unsafe partial class FdPassing
{
    private const string Lib = "libc";
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const int MSG_CMSG_CLOEXEC = 0x40000000;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int MSG_DONTWAIT = 0x40;
    public const int EAGAIN = 11;
    public const int SOCK_SEQPACKET = 5; // with Libc.socketpair, AF_UNIX

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    // struct msghdr on LP64 Linux (x64 and arm64).
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    // struct cmsghdr followed by one int: CMSG_LEN(4) = 20, CMSG_SPACE(4) = 24.
    [StructLayout(LayoutKind.Sequential)]
    private struct FdControl
    {
        public nuint Length;
        public int Level;
        public int Type;
        public int Fd;
        private readonly int _padding;
    }

    [LibraryImport(Lib, SetLastError = true)]
    private static partial nint sendmsg(int socket, MsgHdr* message, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial nint recvmsg(int socket, MsgHdr* message, int flags);

    /// <summary>
    /// Sends <paramref name="payload"/> (at most 16 bytes) with <paramref name="fd"/> attached, or alone when
    /// <paramref name="fd"/> is -1. Blocks while the receiver's queue is full unless <paramref name="wait"/> is false.
    /// Returns 0, or the errno (EPIPE when the receiver is gone, EAGAIN when full and not waiting).
    /// </summary>
    public static int Send(int socket, int fd, ReadOnlySpan<byte> payload, bool wait = true)
    {
        var control = new FdControl { Length = 20, Level = SOL_SOCKET, Type = SCM_RIGHTS, Fd = fd };
        fixed (byte* data = payload)
        {
            var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1 };
            if (fd >= 0)
            {
                message.Control = &control;
                message.ControlLength = (nuint)sizeof(FdControl);
            }
            while (sendmsg(socket, &message, MSG_NOSIGNAL | (wait ? 0 : MSG_DONTWAIT)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR) return errno;
            }
        }
        return 0;
    }

    /// <summary>What one receive gave: the payload's length, a descriptor (or -1 when none came with it).</summary>
    public readonly record struct Received(int Fd, int Length, bool Closed, int Errno);

    /// <summary>Receives one message into <paramref name="payload"/> and its descriptor (made close-on-exec); blocks until one arrives.</summary>
    public static Received Receive(int socket, Span<byte> payload)
    {
        var control = new FdControl();
        fixed (byte* data = payload)
        {
            var iov = new IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = &control, ControlLength = (nuint)sizeof(FdControl) };
            nint read;
            while ((read = recvmsg(socket, &message, MSG_CMSG_CLOEXEC)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Libc.EINTR) return new Received(-1, 0, Closed: true, errno);
            }
            if (read == 0) return new Received(-1, 0, Closed: true, 0);
            bool hasFd = message.ControlLength >= 20 && control.Level == SOL_SOCKET && control.Type == SCM_RIGHTS;
            return new Received(hasFd ? control.Fd : -1, (int)read, Closed: false, 0);
        }
    }
}
