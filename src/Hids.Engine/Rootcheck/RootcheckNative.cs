using System.Runtime.InteropServices;

namespace Hids.Engine.Rootcheck;

/// <summary>File status as lstat/statx reports it (no symlink following).</summary>
internal readonly record struct UnixStat(uint Mode, uint Uid, uint Gid, ulong Size, uint Nlink)
{
    public const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000, S_IFCHR = 0x2000,
        S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000;
    public const uint S_ISUID = 0x800, S_ISGID = 0x400, S_ISVTX = 0x200, S_IWOTH = 0x2;

    public uint Type => Mode & S_IFMT;
    public bool IsRegular => Type == S_IFREG;
    public bool IsDirectory => Type == S_IFDIR;
    public bool IsSymlink => Type == S_IFLNK;
    public bool IsDevice => Type is S_IFCHR or S_IFBLK;
    public bool IsFifoOrSocket => Type is S_IFIFO or S_IFSOCK;
    public bool SetUid => (Mode & S_ISUID) != 0;
    public bool SetGid => (Mode & S_ISGID) != 0;
    public bool Sticky => (Mode & S_ISVTX) != 0;
    public bool WorldWritable => (Mode & S_IWOTH) != 0;
    public string Octal => Convert.ToString(Mode & 0xFFF, 8).PadLeft(4, '0');
}

internal static unsafe partial class RootcheckNative
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_BASIC_STATS = 0x7ff;

    public const int EPERM = 1, ESRCH = 3, EACCES = 13, EADDRINUSE = 98;
    public const int AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatFs(string path, byte* buffer);

    /// <summary>The file system type (statfs f_type) of the path, or null.</summary>
    public static long? FileSystemType(string path)
    {
        byte* buf = stackalloc byte[256];
        if (StatFs(path, buf) != 0) return null;
        return *(long*)buf;
    }

    public const long EXT4_SUPER_MAGIC = 0xEF53, XFS_SUPER_MAGIC = 0x58465342, TMPFS_MAGIC = 0x01021994;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int Bind(int fd, byte* addr, int len);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>lstat through statx (its layout is the same on every architecture). Null when the path is absent.</summary>
    public static UnixStat? LStat(string path)
    {
        byte* buf = stackalloc byte[256];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0) return null;
        uint nlink = *(uint*)(buf + 16);
        uint uid = *(uint*)(buf + 20);
        uint gid = *(uint*)(buf + 24);
        ushort mode = *(ushort*)(buf + 28);
        ulong size = *(ulong*)(buf + 40);
        return new UnixStat(mode, uid, gid, size, nlink);
    }

    /// <summary>kill(pid, 0): true when the process exists (also when we may not signal it).</summary>
    public static bool ProcessExists(int pid)
    {
        if (Kill(pid, 0) == 0) return true;
        return Marshal.GetLastPInvokeError() == EPERM;
    }

    /// <summary>Binds an IPv4 socket of the protocol to address:port and closes it at once.
    /// Returns 0 when the port was free, else the errno (EADDRINUSE when something holds it).</summary>
    public static int TryBind(bool tcp, uint addressHostOrder, int port)
    {
        int fd = Socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        try
        {
            byte* sa = stackalloc byte[16];
            new Span<byte>(sa, 16).Clear();
            *(ushort*)sa = AF_INET;
            sa[2] = (byte)(port >> 8);
            sa[3] = (byte)port;
            sa[4] = (byte)(addressHostOrder >> 24);
            sa[5] = (byte)(addressHostOrder >> 16);
            sa[6] = (byte)(addressHostOrder >> 8);
            sa[7] = (byte)addressHostOrder;
            return Bind(fd, sa, 16) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            Close(fd);
        }
    }
}
