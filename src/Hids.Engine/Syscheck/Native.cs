using System.Runtime.InteropServices;
using System.Text;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

/// <summary>The kind of file-system object an entry describes.</summary>
public enum FileKind { File = 0, Directory = 1, Symlink = 2, Fifo = 3, Socket = 4, CharDevice = 5, BlockDevice = 6, Other = 7 }

/// <summary>What one statx(2) call tells about a path (symlinks are not followed).</summary>
public struct FileStat
{
    public FileKind Kind;
    public uint Mode;     // permission bits incl. setuid/setgid/sticky (no type bits)
    public uint Uid;
    public uint Gid;
    public ulong Inode;
    public ulong Device;
    public long Size;
    public long MtimeNs;
    public long CtimeNs;
}

/// <summary>Linux system calls syscheck needs (statx, inotify, poll), called directly through libc.</summary>
internal static unsafe class Native
{
    public const int EACCES = 13, ENOENT = 2, ENOSPC = 28, EINTR = 4, EAGAIN = 11, ENOTDIR = 20, ELOOP = 40;

    [DllImport("libc", SetLastError = true)]
    public static extern int inotify_init1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int inotify_add_watch(int fd, byte* path, uint mask);

    [DllImport("libc", SetLastError = true)]
    public static extern int inotify_rm_watch(int fd, int wd);

    [DllImport("libc", SetLastError = true)]
    public static extern nint read(int fd, byte* buf, nint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int poll(PollFd* fds, nuint nfds, int timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern int posix_fadvise(int fd, long offset, long len, int advice);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int fd; public short events; public short revents; }
    public const short POLLIN = 1;

    /// <summary>lstat-like statx; returns 0 or an errno.</summary>
    public static int Stat(string path, out FileStat st) => StatAt(Statx.AT_FDCWD, path, out st);

    /// <summary>lstat-like statx of a name relative to an open directory (no walk of the whole path again).</summary>
    public static int StatAt(int dirfd, string path, out FileStat st)
    {
        st = default;
        byte* buf = stackalloc byte[Statx.BufferBytes];
        int err = Statx.Path(dirfd, path, Statx.AT_SYMLINK_NOFOLLOW, buf);
        if (err == 0) Decode(buf, ref st);
        return err;
    }

    /// <summary>fstat-like statx on an open descriptor: what was really opened, whatever the path now names.</summary>
    public static int StatFd(int fd, out FileStat st)
    {
        st = default;
        byte* buf = stackalloc byte[Statx.BufferBytes];
        int err = Statx.Fd(fd, buf);
        if (err == 0) Decode(buf, ref st);
        return err;
    }

    private static void Decode(byte* buf, ref FileStat st)
    {
        uint mode = Statx.Mode(buf);
        st.Kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
        st.Mode = mode & 0xFFF;
        st.Uid = Statx.Uid(buf);
        st.Gid = Statx.Gid(buf);
        st.Inode = Statx.Inode(buf);
        st.Size = (long)Statx.Size(buf);
        st.CtimeNs = Statx.CtimeNs(buf);
        st.MtimeNs = Statx.MtimeNs(buf);
        st.Device = Statx.Device(buf);
    }

    public static int AddWatch(int fd, string path, uint mask)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes) return inotify_add_watch(fd, p, mask);
    }

    public static string ErrnoText(int errno) => errno switch
    {
        EACCES => "permission denied",
        ENOENT => "no such file or directory",
        ENOSPC => "no space left (inotify watch limit reached)",
        ENOTDIR => "not a directory",
        ELOOP => "too many levels of symbolic links",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };
}

/// <summary>Maps uid/gid to names from /etc/passwd and /etc/group (read once per process, refreshed on demand).</summary>
public static class AccountNames
{
    private static Dictionary<uint, string>? _users, _groups;
    private static DateTime _loaded;

    private static Dictionary<uint, string> Load(string file)
    {
        var d = new Dictionary<uint, string>();
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var f = line.Split(':');
                if (f.Length > 2 && uint.TryParse(f[2], out var id)) d.TryAdd(id, f[0]);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return d;
    }

    private static void Ensure()
    {
        if (_users is null || DateTime.UtcNow - _loaded > TimeSpan.FromMinutes(5))
        {
            _users = Load("/etc/passwd"); _groups = Load("/etc/group"); _loaded = DateTime.UtcNow;
        }
    }

    public static string User(uint uid) { Ensure(); return _users!.TryGetValue(uid, out var n) ? n : uid.ToString(); }
    public static string Group(uint gid) { Ensure(); return _groups!.TryGetValue(gid, out var n) ? n : gid.ToString(); }

    /// <summary>"rw-r--r--" with s/S/t/T for setuid, setgid and sticky, as ls shows it.</summary>
    public static string PermString(uint mode)
    {
        Span<char> c = stackalloc char[9];
        c[0] = (mode & 0x100) != 0 ? 'r' : '-';
        c[1] = (mode & 0x80) != 0 ? 'w' : '-';
        c[2] = (mode & 0x800) != 0 ? ((mode & 0x40) != 0 ? 's' : 'S') : ((mode & 0x40) != 0 ? 'x' : '-');
        c[3] = (mode & 0x20) != 0 ? 'r' : '-';
        c[4] = (mode & 0x10) != 0 ? 'w' : '-';
        c[5] = (mode & 0x400) != 0 ? ((mode & 0x8) != 0 ? 's' : 'S') : ((mode & 0x8) != 0 ? 'x' : '-');
        c[6] = (mode & 0x4) != 0 ? 'r' : '-';
        c[7] = (mode & 0x2) != 0 ? 'w' : '-';
        c[8] = (mode & 0x200) != 0 ? ((mode & 0x1) != 0 ? 't' : 'T') : ((mode & 0x1) != 0 ? 'x' : '-');
        return new string(c);
    }
}
