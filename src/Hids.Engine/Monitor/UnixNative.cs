using System.Runtime.InteropServices;
using Hids.Engine.Core;
using Microsoft.Win32.SafeHandles;

namespace Hids.Engine.Monitor;

/// <summary>What lstat/fstat say about a file (through statx, whose layout is the same on every architecture).</summary>
public readonly record struct UnixFileInfo(bool Exists, bool IsRegular, bool IsSymlink, long Inode, ulong Device, long Size);

/// <summary>The few libc calls the monitor needs that .NET does not expose (inode numbers, O_NOFOLLOW, signals).</summary>
public static unsafe partial class UnixNative
{
    private const int O_RDONLY = 0, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;
    public const int SIGTERM = 15, SIGKILL = 9, SIGINT = 2;
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFLNK = 0xA000;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup2(int oldfd, int newfd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    public static UnixFileInfo LStat(string path)
    {
        byte* buf = stackalloc byte[Statx.BufferBytes];
        return Info(Statx.Path(Statx.AT_FDCWD, path, Statx.AT_SYMLINK_NOFOLLOW, buf), buf);
    }

    public static UnixFileInfo FStat(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            byte* buf = stackalloc byte[Statx.BufferBytes];
            return Info(Statx.Fd((int)handle.DangerousGetHandle(), buf), buf);
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    private static UnixFileInfo Info(int err, byte* buf)
    {
        if (err != 0) return default;
        uint type = Statx.Mode(buf) & S_IFMT;
        return new UnixFileInfo(true, type == S_IFREG, type == S_IFLNK, (long)Statx.Inode(buf), Statx.Device(buf), (long)Statx.Size(buf));
    }

    /// <summary>Opens a file for reading without following a symbolic link in its last component.</summary>
    public static FileStream? OpenNoFollow(string path, out int errno)
    {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) { errno = Marshal.GetLastPInvokeError(); return null; }
        errno = 0;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try { return new FileStream(handle, FileAccess.Read, bufferSize: 0); }
        catch { handle.Dispose(); throw; }
    }

    public static bool SendSignal(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>True when a process with this id exists (kill 0; EPERM also means it exists).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0) return false;
        if (kill(pid, 0) == 0) return !IsZombie(pid);
        return Marshal.GetLastPInvokeError() == 1 /* EPERM */;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public static bool NewSession() => setsid() >= 0;

    [LibraryImport("libc")]
    private static partial uint umask(uint mask);

    /// <summary>Files the monitor creates (alerts.log, alerts.json, ossec.log, state) are not readable by other users.</summary>
    public static void RestrictFileCreationMask() => umask(0x17 /* 027 */);

    /// <summary>Points stdin, stdout and stderr at /dev/null (a daemon keeps no terminal or pipe open).</summary>
    public static void DetachStdio()
    {
        int fd = open("/dev/null", 2 /* O_RDWR */);
        if (fd < 0) return;
        dup2(fd, 0); dup2(fd, 1); dup2(fd, 2);
        if (fd > 2) close(fd);
    }

    public static bool IsRoot => geteuid() == 0;
}
