using System.Security.Cryptography;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.Configuration;

public class InstallerTests
{
    private static string Hash(string f) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));

    private static (TempDir T, string Rules) ShippedRules()
    {
        var t = TestPaths.NewTempDir("hids-rules");
        Directory.CreateDirectory(t.Combine("rules", "rootcheck"));
        File.WriteAllText(t.Combine("rules", "decoder.xml"), "<decoder name=\"a\"><prematch>a</prematch></decoder>\n");
        File.WriteAllText(t.Combine("rules", "ossec_rules.xml"), "<group name=\"ossec,\"></group>\n");
        File.WriteAllText(t.Combine("rules", "rootcheck", "rootkit_files.txt"), "# none\n");
        return (t, t.Combine("rules"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void InstallCreatesAValidInstanceAndIsIdempotent(bool netstat)
    {
        using var t = TestPaths.NewTempDir();
        var (rt, rules) = ShippedRules();
        using var _ = rt;
        var root = t.Combine("inst");
        var o = new InstallOptions { Path = root, EmailTo = "admin@example.com", SmtpServer = "mail.example.com.", ShippedRulesPath = rules, NetstatAvailable = netstat };
        var r = Installer.Install(o);
        var p = new InstancePaths(root);
        foreach (var d in p.Folders) Assert.True(Directory.Exists(d), d);
        Assert.Contains(p.OssecConf, r.Created);
        Assert.True(File.Exists(Path.Combine(p.RulesDir, "rootcheck", "rootkit_files.txt")));

        var load = ConfigurationLoader.Load(p.OssecConf);
        Assert.False(load.HasErrors, string.Join("\n", load.Errors));
        Assert.DoesNotContain(load.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        var c = load.Configuration;
        Assert.True(c.Global.EmailNotification);
        Assert.Equal(new[] { "admin@example.com" }, c.Global.EmailTo);
        Assert.Equal("mail.example.com.", c.Global.SmtpServer);
        Assert.Equal(79200, c.Syscheck.Frequency);
        Assert.Equal(new[] { "/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin" }, c.Syscheck.Directories.Select(d => d.Path));
        Assert.Contains(c.Syscheck.Ignore, i => i.Value == "/etc/svc/volatile");
        Assert.Contains(c.Syscheck.Ignore, i => i.Value == p.Queue);
        Assert.Contains(c.Syscheck.NoDiff, i => i.Value == "/etc/shadow");
        Assert.Contains(c.Syscheck.NoDiff, i => i.Type == "sregex");
        Assert.Equal(new[] { "rules_config.xml", "syslog_rules.xml", "pam_rules.xml", "sshd_rules.xml", "dpkg_rules.xml", "web_rules.xml", "apache_rules.xml", "nginx_rules.xml", "ossec_rules.xml", "local_rules.xml" }, c.Rules.Include);
        Assert.Equal(2, c.Commands.Count);
        Assert.All(c.ActiveResponses, a => { Assert.Equal(6, a.Level); Assert.Equal(600, a.Timeout); });
        Assert.Equal(1, c.Alerts.LogAlertLevel); Assert.Equal(7, c.Alerts.EmailAlertLevel);
        Assert.Contains(c.LocalFiles, l => l.Location == "/var/log/auth.log");
        Assert.Contains(c.LocalFiles, l => l.Location == "/var/log/dpkg.log");
        var ports = Assert.Single(c.LocalFiles, l => l.LogFormat == "full_command");
        Assert.Equal("netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort", ports.Key);
        Assert.Equal(netstat ? "netstat -tan |grep LISTEN |grep -v 127.0.0.1 | sort" : "ss -ltn |grep LISTEN |grep -v 127.0.0.1 | sort", ports.Command);
        Assert.Contains(c.LocalFiles, l => l.Command == "df -P" && l.LogFormat == "command");
        Assert.StartsWith(p.RulesDir, c.Rootcheck.RootkitFiles);
        Assert.Contains("<group name=\"local,syslog,\">", File.ReadAllText(p.LocalRules));

        var hashes = Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => f, Hash);
        var times = hashes.Keys.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var r2 = Installer.Install(o);
        Assert.False(r2.Changed);
        Assert.Empty(r2.Created); Assert.Empty(r2.Updated);
        foreach (var (f, h) in hashes) { Assert.Equal(h, Hash(f)); Assert.Equal(times[f], File.GetLastWriteTimeUtc(f)); }
    }

    [Fact]
    public void A_contained_instance_keeps_active_response_inside_it()
    {
        using var t = TestPaths.NewTempDir();
        var (rt, rules) = ShippedRules();
        using var _ = rt;
        var root = t.Combine("inst");
        Installer.Install(new InstallOptions { Path = root, ShippedRulesPath = rules, ContainActiveResponse = true });
        var p = new InstancePaths(root);
        var load = ConfigurationLoader.Load(p.OssecConf);
        Assert.False(load.HasErrors, string.Join("\n", load.Errors));
        Assert.DoesNotContain(load.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning);
        Assert.Equal("none", load.Configuration.Hids.FirewallBackend);
        Assert.Equal(Path.Combine(p.Root, "hosts.deny"), load.Configuration.Hids.HostsDenyPath);
        // the active responses themselves are the standard ones
        Assert.Equal(2, load.Configuration.ActiveResponses.Count);

        // without the option: the host's defaults
        var plain = t.Combine("plain");
        Installer.Install(new InstallOptions { Path = plain, ShippedRulesPath = rules });
        var c = ConfigurationLoader.Load(new InstancePaths(plain).OssecConf).Configuration;
        Assert.Equal("auto", c.Hids.FirewallBackend);
        Assert.Null(c.Hids.HostsDenyPath);
    }

    [Fact]
    public void ForceUpgradesShippedFilesButNeverTheUsersOwn()
    {
        using var t = TestPaths.NewTempDir();
        var (rt, rules) = ShippedRules();
        using var _ = rt;
        var root = t.Combine("inst");
        var p = new InstancePaths(root);
        Installer.Install(new InstallOptions { Path = root, ShippedRulesPath = rules });
        File.AppendAllText(p.OssecConf, "<!-- mine -->\n");
        File.AppendAllText(p.LocalRules, "<!-- mine -->\n");
        var conf = File.ReadAllText(p.OssecConf); var local = File.ReadAllText(p.LocalRules);
        File.WriteAllText(Path.Combine(rules, "ossec_rules.xml"), "<group name=\"ossec,v2\"></group>\n");

        var noForce = Installer.Install(new InstallOptions { Path = root, ShippedRulesPath = rules });
        Assert.Contains(Path.Combine(p.RulesDir, "ossec_rules.xml"), noForce.Skipped);
        Assert.DoesNotContain("v2", File.ReadAllText(Path.Combine(p.RulesDir, "ossec_rules.xml")));

        var forced = Installer.Install(new InstallOptions { Path = root, ShippedRulesPath = rules, Force = true, EmailTo = "x@example.com" });
        Assert.Equal(new[] { Path.Combine(p.RulesDir, "ossec_rules.xml") }, forced.Updated);
        Assert.Contains("v2", File.ReadAllText(Path.Combine(p.RulesDir, "ossec_rules.xml")));
        Assert.Equal(conf, File.ReadAllText(p.OssecConf));
        Assert.Equal(local, File.ReadAllText(p.LocalRules));
    }

    [Fact]
    public void RefusesOtherTypesBadAddressesAndUninstallsSafely()
    {
        using var t = TestPaths.NewTempDir();
        Assert.Throws<NotSupportedException>(() => Installer.Install(new InstallOptions { Path = t.Path, Type = InstallType.Server }));
        Assert.Throws<ArgumentException>(() => Installer.Install(new InstallOptions { Path = t.Path, EmailTo = "nobody" }));
        Assert.Empty(Directory.GetFileSystemEntries(t.Path));

        var p = new InstancePaths(t.Combine("inst"));
        Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(p)); // not an instance
        Installer.Install(new InstallOptions { Path = p.Root, ShippedRulesPath = t.Combine("none") });
        File.WriteAllText(p.PidFile, Environment.ProcessId.ToString());
        Assert.Contains("running", Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(p)).Message);
        Assert.True(Directory.Exists(p.Root));
        File.WriteAllText(p.PidFile, "999999999");
        Installer.Uninstall(p);
        Assert.False(Directory.Exists(p.Root));
    }

    [Fact]
    public void Uninstall_removes_only_folders_Install_made()
    {
        using var t = TestPaths.NewTempDir();
        // A folder that merely looks like an instance (someone's OSSEC, a backup) is left alone.
        var other = new InstancePaths(t.Combine("ossec"));
        Directory.CreateDirectory(other.Etc);
        File.WriteAllText(other.OssecConf, "<ossec_config/>");
        Assert.Contains(".hids-instance", Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(other)).Message);
        Assert.True(File.Exists(other.OssecConf));
        // Install-Hids over it adds the marker and keeps the user's ossec.conf.
        Installer.Install(new InstallOptions { Path = other.Root, ShippedRulesPath = t.Combine("none") });
        Assert.Equal("<ossec_config/>", File.ReadAllText(other.OssecConf));
        Assert.True(File.Exists(other.InstanceMarker));
        // A symbolic link to an instance is refused; system folders are refused whatever they hold.
        var link = t.Combine("link");
        Directory.CreateSymbolicLink(link, other.Root);
        Assert.Contains("symbolic link", Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(new InstancePaths(link))).Message);
        Assert.Contains("system folder", Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(new InstancePaths("/"))).Message);
        Assert.Contains("system folder", Assert.Throws<InvalidOperationException>(() => Installer.Uninstall(new InstancePaths("/etc/"))).Message);
        Assert.True(Directory.Exists(other.Root));
        Installer.Uninstall(other);
        Assert.False(Directory.Exists(other.Root));
    }

    [Fact]
    public void FindsTheRepositoryRulesInDevelopment()
    {
        var found = Installer.FindShippedRules();
        Assert.NotNull(found);
        Assert.True(Directory.Exists(found));
    }
}
