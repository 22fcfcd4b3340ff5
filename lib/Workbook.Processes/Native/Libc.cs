// The libc calls that System.Diagnostics.Process does not expose: posix_spawn with file actions
// (fixed fd numbers, new sessions), waitpid with the raw status (so a signal death is not folded into
// exit code 128+n), and kill(2) with any signal.
using System.Runtime.InteropServices;

namespace Workbook.Processes.Native;

internal static partial class Libc
{
    private const string Lib = "libc";

    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int ESRCH = 3;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;

    public const short POSIX_SPAWN_SETPGROUP = 0x02;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSID = 0x80;

    // glibc: posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128 (x64 and arm64).
    // The buffers are larger so a different layout cannot overrun them; libc initialises them.
    public const int SpawnAttrSize = 512;
    public const int FileActionsSize = 256;
    public const int SigSetSize = 256;

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpid();

    public const int X_OK = 1;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int access(string path, int mode);

    public const int P_PID = 1;
    public const int WEXITED = 4;
    public const int WNOHANG = 1;
    public const int WNOWAIT = 0x01000000;
    public const int SigInfoSize = 128;

    /// <summary>waitid(2): used with WNOWAIT to learn that a child ended without reaping it yet.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int waitid(int idType, int id, IntPtr info, int options);

    [LibraryImport(Lib)]
    public static unsafe partial int posix_spawn(out int pid, byte* path, IntPtr fileActions, IntPtr attr, IntPtr* argv, IntPtr* envp);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_init(IntPtr fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_destroy(IntPtr fileActions);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_adddup2(IntPtr fileActions, int fd, int newFd);

    [LibraryImport(Lib)]
    public static partial int posix_spawn_file_actions_addclose(IntPtr fileActions, int fd);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addopen(IntPtr fileActions, int fd, string path, int oflag, int mode);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addchdir_np(IntPtr fileActions, string path);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_init(IntPtr attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_destroy(IntPtr attr);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setflags(IntPtr attr, short flags);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigmask(IntPtr attr, IntPtr sigset);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setsigdefault(IntPtr attr, IntPtr sigset);

    [LibraryImport(Lib)]
    public static partial int posix_spawnattr_setpgroup(IntPtr attr, int pgroup);

    [LibraryImport(Lib)]
    public static partial int sigemptyset(IntPtr set);

    [LibraryImport(Lib)]
    public static partial int sigfillset(IntPtr set);

    /// <summary>Decodes a waitpid status into Node's (code, signal) pair.</summary>
    public static (int? Code, int? Signal) DecodeWaitStatus(int status)
    {
        int low = status & 0x7f;
        if (low == 0) return ((status >> 8) & 0xff, null);   // WIFEXITED
        if (low != 0x7f) return (null, low);                  // WIFSIGNALED
        return (null, null);                                  // stopped: not requested, not expected
    }

    public static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        7 => "E2BIG",
        8 => "ENOEXEC",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        _ => $"E{errno}",
    };

    public static string ErrnoMessage(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
