using System.Runtime.InteropServices;

namespace Hids.Engine.Core;

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

/// <summary>lstat and lchown through libc.</summary>
internal static unsafe partial class UnixFile
{
    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LChownNative(string path, uint owner, uint group);

    /// <summary>lstat through statx. Null when the path is absent (or cannot be looked up).</summary>
    public static UnixStat? LStat(string path)
    {
        byte* buf = stackalloc byte[Statx.BufferBytes];
        if (Statx.Path(Statx.AT_FDCWD, path, Statx.AT_SYMLINK_NOFOLLOW, buf) != 0) return null;
        return new UnixStat(Statx.Mode(buf), Statx.Uid(buf), Statx.Gid(buf), Statx.Size(buf), Statx.Nlink(buf));
    }

    /// <summary>Sets the owner and group of <paramref name="path"/> (not following a symlink); false when not permitted.</summary>
    public static bool LChown(string path, uint uid, uint gid) => LChownNative(path, uid, gid) == 0;
}
