using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Text;

namespace Hids.Engine.Syscheck;

/// <summary>
/// inotify through libc (not FileSystemWatcher, which drops events in quickly created directories). Events are only
/// hints: each names a path the service re-checks. New directories are watched as soon as their IN_CREATE arrives
/// and reported as recursive hints, so files created before the watch was placed are found by the re-check.
/// </summary>
internal sealed unsafe class InotifyWatcher : IDisposable
{
    private const uint IN_MODIFY = 0x2, IN_ATTRIB = 0x4, IN_CLOSE_WRITE = 0x8, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80,
        IN_CREATE = 0x100, IN_DELETE = 0x200, IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_Q_OVERFLOW = 0x4000,
        IN_IGNORED = 0x8000, IN_ONLYDIR = 0x01000000, IN_DONT_FOLLOW = 0x02000000, IN_EXCL_UNLINK = 0x04000000, IN_ISDIR = 0x40000000;
    private const uint Mask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE |
        IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

    private readonly object _gate = new();
    private readonly Dictionary<int, string> _wdPath = new();
    private readonly Dictionary<string, int> _pathWd = new(StringComparer.Ordinal);
    private readonly Func<string, bool> _shouldWatch;
    private readonly Action<string, bool> _hint;
    private readonly Action<string> _overflow;
    private readonly Action<IReadOnlyList<string>, int> _limitReached;
    private int _fd;
    private Thread? _thread;
    private volatile bool _stop;
    /// <summary>Cap on watches this watcher places (0 = only the system's max_user_watches applies).</summary>
    public int MaxWatches { get; set; }
    /// <summary>Tests: while set, the reader does not read, so the kernel queue can overflow.</summary>
    internal volatile bool Paused;

    public InotifyWatcher(Func<string, bool> shouldWatch, Action<string, bool> hint, Action<string> overflow, Action<IReadOnlyList<string>, int> limitReached)
    {
        _shouldWatch = shouldWatch; _hint = hint; _overflow = overflow; _limitReached = limitReached;
        _fd = Native.inotify_init1(0x800 /* IN_NONBLOCK */ | 0x80000 /* IN_CLOEXEC */);
        if (_fd < 0) throw new IOException("inotify_init1 failed: " + Native.ErrnoText(Marshal.GetLastPInvokeError()));
    }

    public static int SystemWatchLimit()
    {
        try { return int.Parse(File.ReadAllText("/proc/sys/fs/inotify/max_user_watches").Trim()); } catch { return 0; }
    }

    public int WatchCount { get { lock (_gate) return _wdPath.Count; } }
    public List<string> WatchedDirectories() { lock (_gate) return _pathWd.Keys.ToList(); }

    public void Start()
    {
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "hids-inotify" };
        _thread.Start();
    }

    /// <summary>Watches a directory and its subdirectories (never symlinks, never ignored paths). Returns directories left unwatched.</summary>
    public List<string> AddTree(string dir, int maxDepth)
    {
        var failed = new List<string>();
        var stack = new Stack<(string, int)>();
        stack.Push((dir, 0));
        bool limitHit = false;
        while (stack.Count > 0)
        {
            var (d, depth) = stack.Pop();
            if (!_shouldWatch(d)) continue;
            if (limitHit) { failed.Add(d); continue; }
            int err = AddOne(d);
            if (err == Native.ENOSPC) { limitHit = true; failed.Add(d); continue; }
            if (err != 0) continue;
            if (depth > maxDepth) continue;
            try
            {
                var subs = new FileSystemEnumerable<string>(d, (ref FileSystemEntry e) => e.ToFullPath(),
                    new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = true })
                { ShouldIncludePredicate = (ref FileSystemEntry e) => e.IsDirectory && (e.Attributes & FileAttributes.ReparsePoint) == 0 };
                foreach (var s in subs) stack.Push((s, depth + 1));
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        if (failed.Count > 0) _limitReached(failed, WatchCount);
        return failed;
    }

    private int AddOne(string dir)
    {
        lock (_gate)
        {
            if (_pathWd.ContainsKey(dir)) return 0;
            if (MaxWatches > 0 && _wdPath.Count >= MaxWatches) return Native.ENOSPC;
            int wd = Native.AddWatch(_fd, dir, Mask);
            if (wd < 0) return Marshal.GetLastPInvokeError();
            if (_wdPath.TryGetValue(wd, out var old)) _pathWd.Remove(old); // same inode watched under a new name
            _wdPath[wd] = dir; _pathWd[dir] = wd;
            return 0;
        }
    }

    /// <summary>Drops every watch (after an overflow the service rebuilds them).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var wd in _wdPath.Keys) Native.inotify_rm_watch(_fd, wd);
            _wdPath.Clear(); _pathWd.Clear();
        }
    }

    private void ReadLoop()
    {
        var buf = new byte[256 * 1024];
        var pfd = new Native.PollFd { fd = _fd, events = Native.POLLIN };
        while (!_stop)
        {
            if (Paused) { Thread.Sleep(10); continue; }
            int pr = Native.poll(&pfd, 1, 200);
            if (pr <= 0) continue;
            nint n;
            fixed (byte* p = buf) n = Native.read(_fd, p, buf.Length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is Native.EAGAIN or Native.EINTR) continue;
                // A read error must not end realtime monitoring: say so and let the service rebuild the watches.
                _overflow("inotify read failed: " + Native.ErrnoText(errno));
                Thread.Sleep(100);
                continue;
            }
            int off = 0;
            while (off + 16 <= n)
            {
                int wd = BitConverter.ToInt32(buf, off);
                uint mask = BitConverter.ToUInt32(buf, off + 4);
                int len = (int)BitConverter.ToUInt32(buf, off + 12);
                string name = "";
                if (len > 0)
                {
                    int end = Array.IndexOf(buf, (byte)0, off + 16, len);
                    name = Encoding.UTF8.GetString(buf, off + 16, (end < 0 ? off + 16 + len : end) - off - 16);
                }
                off += 16 + len;
                try { Handle(wd, mask, name); }
                catch (Exception) { /* a hint lost here is caught by the periodic scan */ }
            }
        }
    }

    private void Handle(int wd, uint mask, string name)
    {
        if ((mask & IN_Q_OVERFLOW) != 0) { _overflow("inotify event queue overflowed (fs.inotify.max_queued_events)"); return; }
        string? dir;
        lock (_gate)
        {
            _wdPath.TryGetValue(wd, out dir);
            if ((mask & IN_IGNORED) != 0 && dir is not null) { _wdPath.Remove(wd); _pathWd.Remove(dir); return; }
        }
        if (dir is null) return;
        if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0) { _hint(dir, true); return; }
        if (name.Length == 0) { return; }
        var path = dir == "/" ? "/" + name : dir + "/" + name;
        bool isDir = (mask & IN_ISDIR) != 0;
        if (isDir && (mask & (IN_CREATE | IN_MOVED_TO)) != 0)
        {
            if (!_shouldWatch(path)) return;
            AddTree(path, int.MaxValue);  // watch first, then re-check the whole new subtree
            _hint(path, true);
            return;
        }
        if (isDir && (mask & (IN_DELETE | IN_MOVED_FROM)) != 0)
        {
            lock (_gate)
                foreach (var k in _pathWd.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
                { _wdPath.Remove(_pathWd[k]); _pathWd.Remove(k); }
            _hint(path, true);
            return;
        }
        if (isDir && (mask & IN_ATTRIB) != 0) return; // directory attributes are not recorded
        _hint(path, false);
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join(2000);
        if (_fd >= 0) { Native.close(_fd); _fd = -1; }
    }
}
