using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Rootcheck;

namespace Hids.Engine.Tests.Rootcheck;

public sealed class RootcheckScannerTests
{
    private static List<RootkitFileEntry> Files(string text) => RootkitDatabases.ParseFiles(text, "t", new List<HidsDiagnostic>());

    [Fact]
    public void Planted_rootkit_folder_and_star_entry_are_found()
    {
        using var root = new RootcheckTestRoot();
        Directory.CreateDirectory(root.Full("usr/src/.puta"));
        root.File_("tmp/.bash_h1story");
        root.File_("etc/.bash_h1story");
        var scanner = new RootcheckScanner(root.Path, new RootcheckOptions());
        var found = scanner.CheckFiles(Files("usr/src/.puta/ ! T0rn rootkit\n*/.bash_h1story ! Fake history\n/sbin/xlogin ! T0rn rootkit\n"), null, default).ToList();
        Assert.Equal(3, found.Count);
        var puta = found.Single(f => f.Path == "/usr/src/.puta");
        Assert.Equal("Rootkit 'T0rn rootkit' detected by the presence of file '/usr/src/.puta'.", puta.Message);
        Assert.Equal(RootcheckSeverity.High, puta.Severity);
        Assert.Equal(RootcheckCheck.Files, puta.Check);
        Assert.Contains("folder", puta.Evidence);
        Assert.NotEmpty(puta.Recommendation);
        Assert.Contains(found, f => f.Path == "/tmp/.bash_h1story");
        Assert.Contains(found, f => f.Path == "/etc/.bash_h1story");
    }

    [Fact]
    public void A_folder_entry_does_not_fire_on_a_file_and_ignore_wins()
    {
        using var root = new RootcheckTestRoot();
        root.File_("usr/src/.puta");
        root.File_("etc/ttyhash");
        var opts = new RootcheckOptions { Ignore = { new IgnoreEntry { Value = "/etc/ttyhash" } } };
        var found = new RootcheckScanner(root.Path, opts).CheckFiles(Files("usr/src/.puta/ ! T0rn\netc/ttyhash ! T0rn\n"), null, default).ToList();
        Assert.Empty(found);
    }

    [Fact]
    public void Binary_with_a_trojan_signature_is_found_and_a_clean_one_is_not()
    {
        using var root = new RootcheckTestRoot();
        root.Binary("bin/ls", "/usr/include/file.h", "total %lu");
        root.Binary("usr/bin/ps", "/proc/%d/stat", "PID TTY TIME CMD");
        var sigs = RootkitDatabases.ParseTrojans("ls !^/usr/include/file\\.h$|duarawkz! T0rn ls\nps !^/usr/include/proc\\.h$!\n", "t", new List<HidsDiagnostic>());
        var found = new RootcheckScanner(root.Path, new RootcheckOptions()).CheckTrojans(sigs, null, default).ToList();
        foreach (var s in sigs) s.Dispose();
        var f = Assert.Single(found);
        Assert.Equal("/bin/ls", f.Path);
        Assert.Equal(RootcheckSeverity.High, f.Severity);
        Assert.Equal("Trojaned version of file '/bin/ls' detected. Signature used: '^/usr/include/file\\.h$|duarawkz' (T0rn ls).", f.Message);
        Assert.Contains("/usr/include/file.h", f.Evidence);
    }

    [Fact]
    public void Trojan_check_follows_links_inside_the_root_only()
    {
        using var root = new RootcheckTestRoot();
        // merged /usr style: sbin/ifconfig -> ../usr/sbin/ifconfig.real (relative) and bin/netstat -> /usr/sbin/netstat.real (absolute, inside the root)
        root.Binary("usr/sbin/ifconfig.real", "#<3HDX");
        File.CreateSymbolicLink(root.Full("sbin/ifconfig"), "../usr/sbin/ifconfig.real");
        root.Binary("usr/sbin/netstat.real", "/usr/include/hosts.h");
        File.CreateSymbolicLink(root.Full("bin/netstat"), "/usr/sbin/netstat.real");
        var sigs = RootkitDatabases.ParseTrojans("ifconfig !#<3HDX!\nnetstat !^/usr/include/hosts\\.h$!\n", "t", new List<HidsDiagnostic>());
        var found = new RootcheckScanner(root.Path, new RootcheckOptions()).CheckTrojans(sigs, null, default).ToList();
        foreach (var s in sigs) s.Dispose();
        Assert.Equal(new[] { "/bin/netstat", "/sbin/ifconfig" }, found.Select(f => f.Path).OrderBy(x => x));
    }

    [Fact]
    public void Non_device_file_in_dev_is_found_and_the_usual_entries_are_not()
    {
        using var root = new RootcheckTestRoot();
        root.File_("dev/.lib/1iOn.sh", "#!/bin/sh");
        root.File_("dev/shm/pulse-shm-1", "x");           // /dev/shm contents are normal
        root.File_("dev/.udev/db/b8:0", "x");             // udev's database
        File.CreateSymbolicLink(root.Full("dev/stdin"), "/proc/self/fd/0");
        File.CreateSymbolicLink(root.Full("dev/core"), "/proc/kcore");
        Directory.CreateDirectory(root.Full("dev/pts"));
        var found = new RootcheckScanner(root.Path, new RootcheckOptions()).CheckDev(null, default).ToList();
        var f = Assert.Single(found);
        Assert.Equal("/dev/.lib/1iOn.sh", f.Path);
        Assert.Equal("File '/dev/.lib/1iOn.sh' present on /dev. Possible hidden file.", f.Message);
        Assert.Equal(RootcheckSeverity.Medium, f.Severity);
    }

    [Fact]
    public void Suid_world_writable_and_unowned_files_under_system_folders_are_found()
    {
        using var root = new RootcheckTestRoot();
        var rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        root.File_("usr/bin/rootshell", "x", rwx | UnixFileMode.SetUser);                  // unexpected suid
        root.File_("usr/bin/passwd", "x", rwx | UnixFileMode.SetUser);                     // expected on Debian
        root.File_("usr/lib/tool/helper", "x", rwx | UnixFileMode.SetGroup);               // packaged: fine
        File.WriteAllText(root.Full("var/lib/dpkg/info/tool.list"), "/.\n/usr\n/usr/lib/tool\n/usr/lib/tool/helper\n");
        root.File_("bin/legacy", "x", rwx | UnixFileMode.SetUser);                         // packaged as /bin/legacy under merged /usr? no: reported
        root.File_("etc/cron.conf", "x", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherRead);
        Directory.CreateDirectory(root.Full("etc/spool"));
        File.SetUnixFileMode(root.Full("etc/spool"), (UnixFileMode)0x3ff | UnixFileMode.StickyBit);    // 1777: fine
        Directory.CreateDirectory(root.Full("etc/open"));
        File.SetUnixFileMode(root.Full("etc/open"), (UnixFileMode)0x1ff);                           // 0777: reported
        root.File_("usr/lib/orphan.so", "x");
        root.MakeUnowned("usr/lib/orphan.so");

        var found = new RootcheckScanner(root.Path, new RootcheckOptions()).CheckSys(null, default).ToList();
        var paths = found.Select(f => f.Path).ToList();
        Assert.Contains("/usr/bin/rootshell", paths);
        Assert.Contains("/bin/legacy", paths);
        Assert.DoesNotContain("/usr/bin/passwd", paths.Where(p => found.First(f => f.Path == p).Message.Contains("suid")));
        Assert.DoesNotContain(found, f => f.Path == "/usr/lib/tool/helper" && f.Message.Contains("sgid"));
        Assert.Contains(found, f => f.Path == "/etc/cron.conf" && f.Message.Contains("written permissions to anyone"));
        Assert.Contains(found, f => f.Path == "/etc/open" && f.Message.Contains("written permissions to anyone"));
        Assert.DoesNotContain(found, f => f.Path == "/etc/spool");
        Assert.Contains(found, f => f.Path == "/usr/lib/orphan.so" && f.Message == "File '/usr/lib/orphan.so' has no owner (uid " + (RootcheckTestRoot.GetEuid() == 0 ? "4242" : RootcheckTestRoot.GetEuid().ToString()) + ", gid " + (RootcheckTestRoot.GetEuid() == 0 ? "0" : RootcheckTestRoot.GetEgid().ToString()) + ").");
        Assert.All(found, f => Assert.Equal(RootcheckSeverity.Low, f.Severity));
        var suid = found.Single(f => f.Path == "/usr/bin/rootshell");
        Assert.Equal("File '/usr/bin/rootshell' is: - owned by " + (RootcheckTestRoot.GetEuid() == 0 ? "root" : "uid " + RootcheckTestRoot.GetEuid()) + ", - has suid permissions, - not installed by any package.", suid.Message);
        Assert.Contains("chmod u-s", suid.Recommendation);
    }

    [Fact]
    public void Promiscuous_interface_is_found_but_not_a_bridge_port()
    {
        using var root = new RootcheckTestRoot();
        root.File_("sys/class/net/lo/flags", "0x9\n");
        root.File_("sys/class/net/eth0/flags", "0x1103\n");
        root.File_("sys/class/net/veth1/flags", "0x1103\n");
        Directory.CreateDirectory(root.Full("sys/class/net/veth1/brport"));
        root.File_("sys/class/net/eth1/flags", "0x1003\n");
        var found = new RootcheckScanner(root.Path, new RootcheckOptions()).CheckInterfaces(null, default).ToList();
        var f = Assert.Single(found);
        Assert.Equal("eth0", f.Interface);
        Assert.Equal("Interface 'eth0' in promiscuous mode.", f.Message);
    }

    private sealed class FakeProcView : IProcView
    {
        public int MaxPid { get; init; } = 500;
        public HashSet<int> Listed = new();
        public HashSet<int> ListedLater = new();
        public HashSet<int> Alive = new();
        public HashSet<int> DiesAfterFirstProbe = new();
        public Dictionary<int, int> Tgid = new();
        public HashSet<int> ProcEntries = new();
        private int _lists;
        private readonly HashSet<int> _probed = new();
        public IReadOnlySet<int> ListPids() => _lists++ == 0 ? Listed : Listed.Concat(ListedLater).ToHashSet();
        public bool Exists(int pid)
        {
            if (!Alive.Contains(pid)) return false;
            if (DiesAfterFirstProbe.Contains(pid) && !_probed.Add(pid)) return false;
            return true;
        }
        public bool ProcEntryExists(int pid) => ProcEntries.Contains(pid);
        public int? ThreadGroupOf(int pid) => Tgid.TryGetValue(pid, out var t) ? t : null;
    }

    [Fact]
    public void Hidden_process_logic_reports_only_a_process_the_listing_hides()
    {
        var view = new FakeProcView
        {
            Listed = { 1, 2, 3, 40 },
            Alive = { 1, 2, 3, 40, 41, 77, 300, 301 },
            Tgid = { [41] = 40, [77] = 77 },          // 41 is a thread of 40
            ProcEntries = { 41, 77 },
            ListedLater = { 300 },                    // 300 started after the first listing
            DiesAfterFirstProbe = { 301 },            // 301 ended meanwhile
        };
        var found = new RootcheckScanner("/", new RootcheckOptions()).CheckPids(view, null, default).ToList();
        var f = Assert.Single(found);
        Assert.Equal(77, f.Pid);
        Assert.Equal("Process '77' hidden from /proc. Possible kernel level rootkit.", f.Message);
        Assert.Equal(RootcheckSeverity.High, f.Severity);
        Assert.Contains("lsmod", f.Recommendation);
    }

    private sealed class FakePortView : IPortView
    {
        public HashSet<int> Tcp = new(), Udp = new(), TcpInUse = new(), UdpInUse = new(), Flapping = new();
        private readonly HashSet<int> _seen = new();
        public IReadOnlySet<int> ListedPorts(bool tcp) => tcp ? Tcp : Udp;
        public bool? InUse(bool tcp, int port)
        {
            if (port < 5) return null; // "cannot tell"
            if (Flapping.Contains(port) && !_seen.Add(port)) return false;
            return (tcp ? TcpInUse : UdpInUse).Contains(port);
        }
    }

    [Fact]
    public void Hidden_port_logic_reports_only_ports_in_use_but_not_listed()
    {
        var view = new FakePortView
        {
            Tcp = { 22, 80 }, TcpInUse = { 22, 80, 31337, 40000 }, Flapping = { 40000 },  // 40000: a short-lived connection
            Udp = { 53 }, UdpInUse = { 53, 4444 },
        };
        var found = new RootcheckScanner("/", new RootcheckOptions()).CheckPorts(view, null, default).ToList();
        Assert.Equal(new[] { "31337/tcp", "4444/udp" }, found.Select(f => $"{f.Port}/{f.Protocol}"));
        Assert.Equal("Port '31337'(tcp) hidden. Kernel-level rootkit or trojaned version of netstat.", found[0].Message);
        Assert.All(found, f => Assert.Equal(RootcheckSeverity.High, f.Severity));
    }

    [Fact]
    public void Proc_net_tables_are_parsed()
    {
        using var root = new RootcheckTestRoot();
        root.File_("proc/net/tcp",
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
            "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n" +
            "   1: 0100007F:7A69 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1\n");
        root.File_("proc/net/tcp6",
            "  sl  local_address                         remote_address                        st\n" +
            "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A\n");
        var ports = new LinuxPortView(root.Full("proc")).ListedPorts(true);
        Assert.Equal(new[] { 22, 80, 31337 }, ports.OrderBy(p => p));
        Assert.Empty(new LinuxPortView(root.Full("proc")).ListedPorts(false));
    }
}

public sealed class RootcheckLinkCountTests
{
    [Theory]
    [InlineData(2u, 0, false)]
    [InlineData(5u, 3, false)]
    [InlineData(1u, 7, false)]   // btrfs/overlay style: no count kept
    [InlineData(4u, 1, true)]    // one subfolder hidden from the listing
    [InlineData(3u, 3, false)]   // fewer links than subfolders: not the rootkit case
    public void Link_count_rule(uint nlink, int visible, bool hidden)
        => Assert.Equal(hidden, RootcheckScanner.HiddenByLinkCount(nlink, visible));

    [Fact]
    public void Folders_with_subfolders_are_not_reported()
    {
        using var root = new RootcheckTestRoot();
        foreach (var d in new[] { "etc/a/b/c", "etc/a/d", "usr/lib/x/y", "usr/lib/z" }) Directory.CreateDirectory(root.Full(d));
        var found = new RootcheckScanner(root.Path, new Hids.Engine.Configuration.RootcheckOptions()).CheckSys(null, default).ToList();
        Assert.DoesNotContain(found, f => f.Message.StartsWith("Files hidden inside directory", StringComparison.Ordinal));
    }
}
