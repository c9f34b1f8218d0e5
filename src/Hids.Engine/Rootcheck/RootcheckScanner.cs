using System.Globalization;
using System.Text;
using Hids.Engine.Analysis.Matching;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Rootcheck;

/// <summary>
/// The checks themselves, over a root folder (the real "/" or a test root). Paths in findings are as seen inside
/// that root. Symbolic links are never followed out of the root. No check changes anything on the system.
/// </summary>
public sealed class RootcheckScanner
{
    /// <summary>Folders where a '*/name' rootkit entry is looked for.</summary>
    public static readonly IReadOnlyList<string> StarFolders = new[]
    {
        "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/lib64", "/usr/lib",
        "/usr/lib64", "/usr/local/lib", "/usr/include", "/usr/share", "/etc", "/dev", "/dev/shm", "/tmp", "/var/tmp",
        "/var/log", "/var/lib", "/var/spool", "/var/www", "/root", "/boot",
    };

    /// <summary>Folders where a trojan signature's binary name is looked for.</summary>
    public static readonly IReadOnlyList<string> BinaryFolders = new[]
    {
        "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
    };

    /// <summary>System folders of the 'sys' check (world-writable, set-uid/set-gid, unowned files).</summary>
    public static readonly IReadOnlyList<string> SystemFolders = new[]
    {
        "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/lib", "/lib64", "/usr/lib",
        "/usr/lib64", "/usr/libexec", "/usr/local/lib", "/etc", "/boot",
    };

    /// <summary>Set-uid/set-gid programs a standard Debian system has (used besides the package database).</summary>
    public static readonly IReadOnlySet<string> ExpectedSetIdPrograms = new HashSet<string>(StringComparer.Ordinal)
    {
        "/usr/bin/passwd", "/usr/bin/chsh", "/usr/bin/chfn", "/usr/bin/gpasswd", "/usr/bin/newgrp", "/usr/bin/su",
        "/usr/bin/sudo", "/usr/bin/sudoedit", "/usr/bin/mount", "/usr/bin/umount", "/usr/bin/fusermount",
        "/usr/bin/fusermount3", "/usr/bin/pkexec", "/usr/bin/crontab", "/usr/bin/ssh-agent", "/usr/bin/chage",
        "/usr/bin/expiry", "/usr/bin/wall", "/usr/bin/write", "/usr/bin/bsd-write", "/usr/bin/dotlockfile",
        "/usr/bin/at", "/usr/bin/newuidmap", "/usr/bin/newgidmap", "/usr/bin/ntfs-3g", "/usr/bin/plocate",
        "/usr/bin/mlocate", "/usr/bin/staprun", "/usr/sbin/unix_chkpwd", "/usr/sbin/pam_extrausers_chkpwd",
        "/usr/sbin/exim4", "/usr/sbin/postdrop", "/usr/sbin/postqueue", "/usr/sbin/mount.nfs", "/usr/sbin/mount.cifs",
        "/usr/lib/dbus-1.0/dbus-daemon-launch-helper", "/usr/lib/openssh/ssh-keysign",
        "/usr/lib/policykit-1/polkit-agent-helper-1", "/usr/lib/polkit-1/polkit-agent-helper-1",
        "/usr/lib/eject/dmcrypt-get-device", "/usr/lib/xorg/Xorg.wrap", "/usr/libexec/polkit-agent-helper-1",
        "/usr/lib/x86_64-linux-gnu/utempter/utempter", "/usr/libexec/utempter/utempter",
        "/usr/lib/chromium/chrome-sandbox", "/usr/lib/snapd/snap-confine",
    };

    /// <summary>Entries of /dev that are not devices but are normal (never reported, not descended into).</summary>
    public static readonly IReadOnlySet<string> DevAllowed = new HashSet<string>(StringComparer.Ordinal)
    {
        "/dev/shm", "/dev/mqueue", "/dev/hugepages", "/dev/pts", "/dev/.udev", "/dev/.initramfs", "/dev/.initramfs-tools",
        "/dev/.udevdb", "/dev/.udev.tdb", "/dev/udev.tdb", "/dev/.blkid.tab", "/dev/.blkid.tab.old", "/dev/MAKEDEV",
        "/dev/README.MAKEDEV", "/dev/MAKEDEV.local", "/dev/.lxc", "/dev/.lxc-boot-id", "/dev/.mdadm", "/dev/.systemd",
        "/dev/bus/usb/.usbfs",
    };

    /// <summary>Top folders never walked by a scan_all 'sys' check (virtual or volatile file systems).</summary>
    private static readonly string[] ScanAllSkip = { "/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", "/var/run", "/var/lock" };

    private readonly string _root;
    private readonly RootcheckOptions _options;
    private readonly OsMatch?[] _ignoreMatch;
    private HashSet<uint>? _uids, _gids;
    private HashSet<string>? _packaged;

    /// <param name="root">The root folder ("/" for the live system).</param>
    public RootcheckScanner(string root, RootcheckOptions options)
    {
        _root = Path.GetFullPath(string.IsNullOrEmpty(root) ? "/" : root);
        _options = options;
        _ignoreMatch = options.Ignore.Select(i => string.Equals(i.Type, "sregex", StringComparison.OrdinalIgnoreCase)
            ? OsMatch.Compile(i.Value) : null).ToArray();
    }

    public string Root => _root;
    public bool IsLiveRoot => _root == "/";

    // ------------------------------------------------------------------ paths

    /// <summary>The host path of a path inside the root.</summary>
    public string Host(string rooted) => IsLiveRoot ? rooted : _root + (rooted.StartsWith('/') ? rooted : "/" + rooted);

    /// <summary>Resolves symbolic links of a path inside the root, keeping every step inside it (null on a loop).</summary>
    public string? Resolve(string rooted)
    {
        var parts = new List<string>(rooted.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var done = new List<string>();
        int hops = 0;
        while (parts.Count > 0)
        {
            string part = parts[0];
            parts.RemoveAt(0);
            if (part == ".") continue;
            if (part == "..") { if (done.Count > 0) done.RemoveAt(done.Count - 1); continue; }
            string candidate = "/" + string.Join('/', done.Append(part));
            var st = UnixFile.LStat(Host(candidate));
            if (st is { IsSymlink: true })
            {
                if (++hops > 40) return null;
                string? target;
                try { target = new FileInfo(Host(candidate)).LinkTarget; }
                catch (IOException) { target = null; }
                if (string.IsNullOrEmpty(target)) { done.Add(part); continue; }
                if (target.StartsWith('/')) done.Clear();
                parts.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            done.Add(part);
        }
        return "/" + string.Join('/', done);
    }

    public bool IsIgnored(string? rooted)
    {
        if (rooted is null) return false;
        for (int i = 0; i < _options.Ignore.Count; i++)
        {
            var m = _ignoreMatch[i];
            if (m is not null) { if (m.IsMatch(rooted)) return true; }
            else
            {
                string v = _options.Ignore[i].Value;
                if (v.Length > 0 && (rooted == v || rooted.StartsWith(v.EndsWith('/') ? v : v + "/", StringComparison.Ordinal))) return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ rootkit files

    public IEnumerable<RootcheckFinding> CheckFiles(IReadOnlyList<RootkitFileEntry> entries, Action<int, string?>? progress, CancellationToken ct)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var e = entries[i];
            progress?.Invoke(i * 100 / Math.Max(1, entries.Count), e.Path);
            IEnumerable<string> candidates = e.AnySystemFolder
                ? StarFolders.Select(f => f + "/" + e.Path[2..].TrimEnd('/'))
                : new[] { "/" + e.Path.Trim('/') };
            foreach (var c in candidates)
            {
                // follow links of the folders (inside the root), not of the entry itself
                int slash = c.LastIndexOf('/');
                string? parent = slash <= 0 ? "/" : Resolve(c[..slash]);
                if (parent is null) continue;
                string real = (parent == "/" ? "" : parent) + c[slash..];
                var st = UnixFile.LStat(Host(real));
                if (st is null || !reported.Add(real) || IsIgnored(c)) continue;
                bool folder = e.Path.EndsWith('/');
                if (folder && !st.Value.IsDirectory) continue;
                yield return new RootcheckFinding
                {
                    Check = RootcheckCheck.Files, Severity = RootcheckSeverity.High, Path = c, Name = e.Name,
                    Evidence = $"{Kind(st.Value)} present, mode {st.Value.Octal}, owner uid {st.Value.Uid}, {st.Value.Size} bytes"
                        + (e.Reference is null ? "" : $"; reference: {e.Reference}"),
                    Recommendation = $"Inspect '{c}' from trusted media (do not trust this host's tools); if it belongs to the " +
                        $"'{e.Name}' rootkit the host is compromised: isolate it, keep evidence, reinstall from known-good media. " +
                        "If it is legitimate here, add it to <rootcheck><ignore>.",
                    Message = $"Rootkit '{e.Name}' detected by the presence of file '{c}'.",
                };
            }
        }
    }

    private static string Kind(UnixStat st) => st.IsDirectory ? "folder" : st.IsSymlink ? "symbolic link" : st.IsRegular ? "file" : "entry";

    // ------------------------------------------------------------------ trojans

    public IEnumerable<RootcheckFinding> CheckTrojans(IReadOnlyList<TrojanSignature> signatures, Action<int, string?>? progress, CancellationToken ct)
    {
        // group by the real file, so each binary is read once
        var byFile = new Dictionary<string, (string Shown, List<TrojanSignature> Sigs)>(StringComparer.Ordinal);
        foreach (var s in signatures)
        {
            IEnumerable<string> candidates = s.Binary.Contains('/') ? new[] { "/" + s.Binary.TrimStart('/') }
                : BinaryFolders.Select(f => f + "/" + s.Binary);
            foreach (var c in candidates)
            {
                string? real = Resolve(c);
                if (real is null) continue;
                var st = UnixFile.LStat(Host(real));
                if (st is not { IsRegular: true }) continue;
                if (!byFile.TryGetValue(real, out var entry)) byFile[real] = entry = (c, new List<TrojanSignature>());
                if (!entry.Sigs.Contains(s)) entry.Sigs.Add(s);
            }
        }
        int n = 0;
        foreach (var (real, (shown, sigs)) in byFile.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            progress?.Invoke(n++ * 100 / Math.Max(1, byFile.Count), shown);
            if (IsIgnored(shown) || IsIgnored(real)) continue;
            List<string> strings;
            try { strings = ExtractStrings(Host(real)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var sig in sigs)
            {
                string? hit = strings.FirstOrDefault(x => sig.Regex!.IsMatch(x));
                if (hit is null) continue;
                yield return new RootcheckFinding
                {
                    Check = RootcheckCheck.Trojans, Severity = RootcheckSeverity.High, Path = shown, Name = sig.Signature,
                    Evidence = $"string \"{Shorten(hit, 120)}\" in {real} matches signature '{sig.Signature}'",
                    Recommendation = $"Compare '{shown}' with the package's copy (dpkg -S {shown}; debsums or dpkg --verify; " +
                        "reinstall the package from a trusted mirror and compare hashes). A real trojan means the host is " +
                        "compromised: isolate and rebuild it. If the binary is genuine, report the signature as too broad.",
                    Message = $"Trojaned version of file '{shown}' detected. Signature used: '{sig.Signature}' ({sig.Comment ?? "Generic"}).",
                };
            }
        }
    }

    /// <summary>Printable runs (ASCII 0x20–0x7e and tab) of at least 4 characters, like strings(1).</summary>
    public static List<string> ExtractStrings(string file, long maxBytes = 64L * 1024 * 1024)
    {
        var list = new List<string>();
        using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var buf = new byte[1 << 16];
        var run = new StringBuilder();
        long total = 0;
        int n;
        while ((n = fs.Read(buf, 0, buf.Length)) > 0 && total < maxBytes)
        {
            total += n;
            for (int i = 0; i < n; i++)
            {
                byte b = buf[i];
                if (b is >= 0x20 and <= 0x7e or (byte)'\t') { run.Append((char)b); continue; }
                if (run.Length >= 4) list.Add(run.ToString());
                run.Clear();
            }
        }
        if (run.Length >= 4) list.Add(run.ToString());
        return list;
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..max] + "...";

    // ------------------------------------------------------------------ /dev

    public IEnumerable<RootcheckFinding> CheckDev(Action<int, string?>? progress, CancellationToken ct)
    {
        var found = new List<RootcheckFinding>();
        progress?.Invoke(0, "/dev");
        WalkDev("/dev", 0, found, ct);
        progress?.Invoke(100, "/dev");
        return found;
    }

    private void WalkDev(string dir, int depth, List<RootcheckFinding> found, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (depth > 16) return;
        foreach (var (name, rooted) in List(dir))
        {
            if (DevAllowed.Contains(rooted) || IsIgnored(rooted)) continue;
            var st = UnixFile.LStat(Host(rooted));
            if (st is null) continue;
            var s = st.Value;
            if (s.IsDirectory) { WalkDev(rooted, depth + 1, found, ct); continue; }
            if (s.IsDevice || s.IsSymlink || s.IsFifoOrSocket) continue;
            found.Add(new RootcheckFinding
            {
                Check = RootcheckCheck.Dev, Severity = RootcheckSeverity.Medium, Path = rooted,
                Evidence = $"regular file in /dev, mode {s.Octal}, owner uid {s.Uid}, {s.Size} bytes" + (name.StartsWith('.') ? ", hidden name" : ""),
                Recommendation = $"Find what created '{rooted}' (its content, its time, the package database). /dev normally holds only " +
                    "device nodes; rootkits hide files there. If it is legitimate here, add it to <rootcheck><ignore>.",
                Message = $"File '{rooted}' present on /dev. Possible hidden file.",
            });
        }
    }

    /// <summary>Entries of a folder inside the root: (name, rooted path). Unreadable folders give nothing.</summary>
    private IEnumerable<(string Name, string Rooted)> List(string rootedDir)
    {
        string host = Host(rootedDir);
        IEnumerable<string> names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(host, "*", new EnumerationOptions
            {
                RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false,
            }).Select(Path.GetFileName).OfType<string>().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }
        string prefix = rootedDir == "/" ? "/" : rootedDir + "/";
        foreach (var n in names.OrderBy(x => x, StringComparer.Ordinal)) yield return (n, prefix + n);
    }

    // ------------------------------------------------------------------ sys

    public IEnumerable<RootcheckFinding> CheckSys(Action<int, string?>? progress, CancellationToken ct)
    {
        LoadAccounts();
        var found = new List<RootcheckFinding>();
        IEnumerable<string> tops = _options.ScanAll
            ? List("/").Select(x => x.Rooted).Where(p => !ScanAllSkip.Contains(p))
            : SystemFolders;
        // a folder reached twice through links (merged /usr: /bin -> usr/bin) is walked once
        var walked = new HashSet<string>(StringComparer.Ordinal);
        var topList = tops.ToList();
        for (int i = 0; i < topList.Count; i++)
        {
            progress?.Invoke(i * 100 / topList.Count, topList[i]);
            string? real = Resolve(topList[i]);
            if (real is null || !walked.Add(real)) continue;
            var st = UnixFile.LStat(Host(real));
            if (st is not { IsDirectory: true }) continue;
            WalkSys(real, 0, found, walked, ct);
        }
        return found;
    }

    private HashSet<string>? _skipMounts;

    /// <summary>Mount points not to walk: network file systems (with skip_nfs) and virtual ones, from /proc/self/mounts
    /// (live root only).</summary>
    private HashSet<string> SkipMounts()
    {
        if (_skipMounts is not null) return _skipMounts;
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (IsLiveRoot)
        {
            string[] network = { "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs" };
            string[] virt = { "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "configfs", "fusectl", "binfmt_misc", "autofs", "mqueue", "hugetlbfs", "pstore", "bpf", "efivarfs" };
            try
            {
                foreach (var line in File.ReadLines("/proc/self/mounts"))
                {
                    var p = line.Split(' ');
                    if (p.Length < 3) continue;
                    string mount = p[1].Replace("\\040", " ", StringComparison.Ordinal);
                    if ((_options.SkipNfs && network.Contains(p[2])) || virt.Contains(p[2])) set.Add(mount);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return _skipMounts = set;
    }

    private void WalkSys(string dir, int depth, List<RootcheckFinding> found, HashSet<string> walked, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (depth > 32 || SkipMounts().Contains(dir)) return;
        int subdirs = 0;
        var children = new List<string>();
        foreach (var (_, rooted) in List(dir))
        {
            var st = UnixFile.LStat(Host(rooted));
            if (st is null) continue;
            if (st.Value.IsDirectory) subdirs++;
            if (IsIgnored(rooted) || st.Value.IsSymlink) continue;
            InspectSys(rooted, st.Value, found);
            if (st.Value.IsDirectory) children.Add(rooted);
        }
        CheckLinkCount(dir, subdirs, found);
        foreach (var c in children)
            if (walked.Add(c)) WalkSys(c, depth + 1, found, walked, ct);
    }

    /// <summary>
    /// A folder's link count is 2 + its subfolders on ext2/3/4, XFS and tmpfs; more links than the listing shows
    /// subfolders means entries hidden from readdir (a kernel rootkit). Other file systems (btrfs, overlayfs, NFS...)
    /// do not keep that count and are not judged. A mismatch gets a second look before it is reported.
    /// </summary>
    private void CheckLinkCount(string dir, int subdirs, List<RootcheckFinding> found)
    {
        string host = Host(dir);
        var st = UnixFile.LStat(host);
        if (st is null || st.Value.Nlink <= 1 || st.Value.Nlink == 2 + subdirs) return;
        long? fs = RootcheckNative.FileSystemType(host);
        if (fs is not (RootcheckNative.EXT4_SUPER_MAGIC or RootcheckNative.XFS_SUPER_MAGIC or RootcheckNative.TMPFS_MAGIC)) return;
        if (IsIgnored(dir)) return;
        // second look: a folder created or removed meanwhile is not an anomaly
        int again = List(dir).Count(e => UnixFile.LStat(Host(e.Rooted)) is { IsDirectory: true });
        var st2 = UnixFile.LStat(host);
        if (st2 is null || !HiddenByLinkCount(st2.Value.Nlink, again)) return;
        found.Add(new RootcheckFinding
        {
            Check = RootcheckCheck.Sys, Severity = RootcheckSeverity.Medium, Path = dir,
            Evidence = $"link count {st2.Value.Nlink}, but the listing shows {again} subfolder(s) (expected {2 + again} links)",
            Recommendation = $"Compare 'ls -la {dir}' with the same listing from trusted media; a folder that has more links than " +
                "visible subfolders hides entries from readdir, which kernel rootkits do. Check kernel modules (lsmod, /proc/modules).",
            Message = $"Files hidden inside directory '{dir}'. Link count does not match number of files ({st2.Value.Nlink},{2 + again}).",
        });
    }

    /// <summary>True when a folder's link count shows more subfolders than the listing (the rootkit case).</summary>
    public static bool HiddenByLinkCount(uint nlink, int visibleSubdirs) => nlink > 1 && nlink > 2 + (uint)visibleSubdirs;

    private void InspectSys(string rooted, UnixStat s, List<RootcheckFinding> found)
    {
        if (s.WorldWritable && (s.IsRegular || (s.IsDirectory && !s.Sticky)))
        {
            found.Add(new RootcheckFinding
            {
                Check = RootcheckCheck.Sys, Severity = RootcheckSeverity.Low, Path = rooted,
                Evidence = $"{(s.IsDirectory ? "folder without sticky bit" : "file")}, mode {s.Octal}, owner uid {s.Uid}",
                Recommendation = $"Anyone can change '{rooted}'. Remove write permission for others (chmod o-w '{rooted}') " +
                    "unless a documented need exists; check whether it was modified.",
                Message = s.Uid == 0
                    ? $"File '{rooted}' is owned by root and has written permissions to anyone."
                    : $"File '{rooted}' has written permissions to anyone.",
            });
        }
        if (s.IsRegular && (s.SetUid || s.SetGid) && !IsExpectedSetId(rooted))
        {
            string bits = s.SetUid && s.SetGid ? "suid and sgid" : s.SetUid ? "suid" : "sgid";
            found.Add(new RootcheckFinding
            {
                Check = RootcheckCheck.Sys, Severity = RootcheckSeverity.Low, Path = rooted,
                Evidence = $"mode {s.Octal} ({bits}), owner uid {s.Uid}, gid {s.Gid}; not in the package database nor in the expected set-uid list",
                Recommendation = $"Find out who installed '{rooted}' and why it runs with raised privileges; if nothing needs it, " +
                    $"remove the bit (chmod u-s,g-s '{rooted}') or the file. A set-uid root shell is a classic backdoor.",
                Message = $"File '{rooted}' is: - owned by {(s.Uid == 0 ? "root" : "uid " + s.Uid.ToString(CultureInfo.InvariantCulture))}, - has {bits} permissions, - not installed by any package.",
            });
        }
        bool noUser = _uids is { Count: > 0 } && !_uids.Contains(s.Uid);
        bool noGroup = _gids is { Count: > 0 } && !_gids.Contains(s.Gid);
        if (noUser || noGroup)
        {
            found.Add(new RootcheckFinding
            {
                Check = RootcheckCheck.Sys, Severity = RootcheckSeverity.Low, Path = rooted,
                Evidence = noUser ? $"uid {s.Uid} has no entry in /etc/passwd" : $"gid {s.Gid} has no entry in /etc/group",
                Recommendation = $"'{rooted}' belongs to an account that does not exist (left over by a removed user or copied in " +
                    "from elsewhere). Give it a real owner (chown) or remove it.",
                Message = $"File '{rooted}' has no owner (uid {s.Uid}, gid {s.Gid}).",
            });
        }
    }

    private void LoadAccounts()
    {
        _uids = ReadIds(Host("/etc/passwd"), 2);
        _gids = ReadIds(Host("/etc/group"), 2);
    }

    private static HashSet<uint>? ReadIds(string file, int field)
    {
        try
        {
            var set = new HashSet<uint>();
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(':');
                if (parts.Length > field && uint.TryParse(parts[field], NumberStyles.None, CultureInfo.InvariantCulture, out uint id)) set.Add(id);
            }
            return set;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private bool IsExpectedSetId(string rooted)
    {
        foreach (var alias in Aliases(rooted))
            if (ExpectedSetIdPrograms.Contains(alias)) return true;
        _packaged ??= LoadPackaged();
        foreach (var alias in Aliases(rooted))
            if (_packaged.Contains(alias)) return true;
        return false;
    }

    /// <summary>A path and its merged-/usr twins (/bin/x = /usr/bin/x ...).</summary>
    private static IEnumerable<string> Aliases(string p)
    {
        yield return p;
        foreach (var d in new[] { "/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/", "/libx32/" })
        {
            if (p.StartsWith(d, StringComparison.Ordinal)) yield return "/usr" + p;
            else if (p.StartsWith("/usr" + d, StringComparison.Ordinal)) yield return p[4..];
        }
    }

    /// <summary>Every path dpkg knows (var/lib/dpkg/info/*.list of the root).</summary>
    private HashSet<string> LoadPackaged()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        string info = Host("/var/lib/dpkg/info");
        if (!Directory.Exists(info)) return set;
        foreach (var f in Directory.EnumerateFiles(info, "*.list"))
        {
            try { foreach (var line in File.ReadLines(f)) if (line.Length > 1) set.Add(line); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return set;
    }

    // ------------------------------------------------------------------ hidden processes

    public IEnumerable<RootcheckFinding> CheckPids(IProcView view, Action<int, string?>? progress, CancellationToken ct)
    {
        var listed = view.ListPids();
        var suspects = new List<int>();
        int max = view.MaxPid;
        int step = Math.Max(1, max / 100);
        for (int pid = 1; pid <= max; pid++)
        {
            if (pid % step == 0) { ct.ThrowIfCancellationRequested(); progress?.Invoke((int)(pid * 100L / max), $"pid {pid}"); }
            if (!listed.Contains(pid) && view.Exists(pid)) suspects.Add(pid);
        }
        if (suspects.Count == 0) yield break;
        // second look: a process started after the listing, one that ended, or a thread (tasks of a process are
        // valid kill targets but are not listed in /proc) is not hidden
        var relisted = view.ListPids();
        foreach (int pid in suspects)
        {
            if (relisted.Contains(pid) || !view.Exists(pid)) continue;
            bool procEntry = view.ProcEntryExists(pid);
            int? tgid = view.ThreadGroupOf(pid);
            if (tgid is not null && tgid != pid && relisted.Contains(tgid.Value)) continue; // a thread of a listed process
            yield return new RootcheckFinding
            {
                Check = RootcheckCheck.Pids, Severity = RootcheckSeverity.High, Pid = pid,
                Evidence = $"kill({pid}, 0) finds a process; the /proc listing does not show it (twice); " +
                    $"stat /proc/{pid} {(procEntry ? "succeeds" : "fails")}" + (tgid is null ? "" : $"; Tgid {tgid}"),
                Recommendation = $"Compare 'ps -p {pid}', 'ls /proc/{pid}' and /proc/{pid}/status; list kernel modules " +
                    "(lsmod, /proc/modules, /sys/module) and look for unknown ones (e.g. Diamorphine, Reptile). A process the " +
                    "listing hides means a kernel-level rootkit: isolate the host and examine it from trusted media.",
                Message = $"Process '{pid}' hidden from /proc. Possible kernel level rootkit.",
            };
        }
    }

    // ------------------------------------------------------------------ hidden ports

    public IEnumerable<RootcheckFinding> CheckPorts(IPortView view, Action<int, string?>? progress, CancellationToken ct)
    {
        foreach (bool tcp in new[] { true, false })
        {
            string proto = tcp ? "tcp" : "udp";
            var listed = view.ListedPorts(tcp);
            var suspects = new List<int>();
            for (int port = 1; port <= 65535; port++)
            {
                if ((port & 0x3ff) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    progress?.Invoke((tcp ? 0 : 50) + port * 50 / 65536, $"{proto} {port}");
                }
                if (listed.Contains(port)) continue;
                if (view.InUse(tcp, port) == true) suspects.Add(port);
            }
            if (suspects.Count == 0) continue;
            var relisted = view.ListedPorts(tcp);
            foreach (int port in suspects)
            {
                if (relisted.Contains(port) || view.InUse(tcp, port) != true) continue;
                yield return new RootcheckFinding
                {
                    Check = RootcheckCheck.Ports, Severity = RootcheckSeverity.High, Port = port, Protocol = proto,
                    Evidence = $"bind({proto} {port}) fails with 'address in use'; /proc/net/{proto} and {proto}6 do not list it (twice)",
                    Recommendation = $"Check 'ss -{(tcp ? "t" : "u")}anp' and /proc/net/{proto}* for port {port} and try to connect to it " +
                        "from another host. A port the kernel tables hide means a kernel-level rootkit (or trojaned tools): " +
                        "isolate the host and examine it from trusted media.",
                    Message = $"Port '{port}'({proto}) hidden. Kernel-level rootkit or trojaned version of netstat.",
                };
            }
        }
    }

    // ------------------------------------------------------------------ interfaces

    public IEnumerable<RootcheckFinding> CheckInterfaces(Action<int, string?>? progress, CancellationToken ct)
    {
        const int IFF_PROMISC = 0x100;
        foreach (var (name, rooted) in List("/sys/class/net"))
        {
            ct.ThrowIfCancellationRequested();
            progress?.Invoke(50, name);
            string flagsText;
            try { flagsText = File.ReadAllText(Host(rooted + "/flags")).Trim(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (!int.TryParse(flagsText.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? flagsText[2..] : flagsText,
                    NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int flags)) continue;
            if ((flags & IFF_PROMISC) == 0) continue;
            // the kernel puts every port of a bridge in promiscuous mode: that is expected
            if (UnixFile.LStat(Host(rooted + "/brport")) is not null) continue;
            if (IsIgnored(rooted) || IsIgnored(name)) continue;
            yield return new RootcheckFinding
            {
                Check = RootcheckCheck.Interfaces, Severity = RootcheckSeverity.Medium, Interface = name,
                Evidence = $"flags {flagsText} include IFF_PROMISC",
                Recommendation = $"Find the program capturing on {name} (ss -0p or /proc/net/packet, ps for tcpdump, IDS, " +
                    "VM/container tooling). If nothing legitimate sniffs there, treat it as a packet sniffer left by an intruder.",
                Message = $"Interface '{name}' in promiscuous mode.",
            };
        }
    }
}
