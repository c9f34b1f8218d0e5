using System.Runtime.InteropServices;

namespace Hids.Engine.Rootcheck;

internal static unsafe partial class RootcheckNative
{
    public const int EPERM = 1, ESRCH = 3, EACCES = 13, EADDRINUSE = 98;
    public const int AF_INET = 2, SOCK_STREAM = 1, SOCK_DGRAM = 2;

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
