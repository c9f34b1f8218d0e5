using System.Runtime.InteropServices;
using System.Text;

namespace Hids.Engine.Core;

/// <summary>
/// statx(2) through libc, and where its fields sit in the result (the layout is the same on every architecture).
/// The one place that knows it: syscheck's walk and hash re-checks, lstat for rootcheck and atomic file writes.
/// </summary>
internal static unsafe class Statx
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;
    /// <summary>Bytes for the result (struct statx is 256).</summary>
    public const int BufferBytes = 256;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static extern int Call(int dirfd, byte* path, int flags, uint mask, byte* buf);

    /// <summary>statx of <paramref name="path"/> (relative to <paramref name="dirfd"/>) into <paramref name="buf"/>; 0 or an errno.</summary>
    public static int Path(int dirfd, string path, int flags, byte* buf)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(path, bytes);
        bytes[n] = 0;
        int rc;
        fixed (byte* p = bytes) rc = Call(dirfd, p, flags, STATX_BASIC_STATS, buf);
        return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>statx of an open descriptor; 0 or an errno.</summary>
    public static int Fd(int fd, byte* buf)
    {
        byte empty = 0;
        return Call(fd, &empty, AT_EMPTY_PATH, STATX_BASIC_STATS, buf) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static uint Nlink(byte* b) => *(uint*)(b + 16);
    public static uint Uid(byte* b) => *(uint*)(b + 20);
    public static uint Gid(byte* b) => *(uint*)(b + 24);
    /// <summary>Type and permission bits (st_mode).</summary>
    public static uint Mode(byte* b) => *(ushort*)(b + 28);
    public static ulong Inode(byte* b) => *(ulong*)(b + 32);
    public static ulong Size(byte* b) => *(ulong*)(b + 40);
    public static long CtimeNs(byte* b) => *(long*)(b + 96) * 1_000_000_000L + *(uint*)(b + 104);
    public static long MtimeNs(byte* b) => *(long*)(b + 112) * 1_000_000_000L + *(uint*)(b + 120);
    /// <summary>The device the file is on (major, minor as the kernel's dev_t encodes them here).</summary>
    public static ulong Device(byte* b) => ((ulong)*(uint*)(b + 136) << 32) | *(uint*)(b + 140);
}
