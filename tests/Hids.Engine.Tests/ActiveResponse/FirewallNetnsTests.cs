using System.Net;
using Hids.Engine.ActiveResponse;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.ActiveResponse;

/// <summary>
/// firewall-drop for real: nftables (and iptables) inside a network namespace the test creates; a peer namespace
/// connects to a TCP port there before, during and after a block.
/// </summary>
[Collection("netns")]
public sealed class FirewallNetnsTests : IDisposable
{
    private readonly NetnsLab _lab;
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-arns");

    public FirewallNetnsTests()
    {
        Assert.True(NetnsLab.Available(out var why), "network namespace tests need: " + why);
        _lab = new NetnsLab();
    }

    public void Dispose() { _lab.Dispose(); _dir.Dispose(); }

    private (ActiveResponder Responder, EventSink Events, ListLog Log, InstancePaths Paths) NewResponder(Action<HidsConfiguration> configure, string backend = "nftables")
    {
        var (paths, cfg, _) = ArTest.NewInstance(_dir);
        cfg.Hids.FirewallBackend = backend;
        configure(cfg);
        var settings = ActiveResponseSettings.From(cfg, paths, _lab.Server);
        var events = new EventSink(); var log = new ListLog();
        return (new ActiveResponder(paths, settings, events.Emit, log) { ExpiryPollInterval = TimeSpan.FromMilliseconds(100) }, events, log, paths);
    }

    private static ActiveResponseOptions Drop(int timeout) => new()
    { Command = "firewall-drop", Location = "local", RulesGroup = { "authentication_failures" }, Level = 10, Timeout = timeout };

    [Fact]
    public void Brute_force_drops_the_peer_within_a_second_and_it_reaches_the_port_again_after_the_timeout()
    {
        var port = _lab.Listen(_lab.ServerV4);
        var ep = new IPEndPoint(_lab.ServerV4, port);
        Assert.True(_lab.PeerCanConnect(ep, 3000), "the peer must reach the port before any block");

        // The shipped ruleset decides: sshd "Failed password" lines from the peer's address through the rule engine.
        var loaded = Hids.Engine.Analysis.RulesetLoader.LoadFolder(TestPaths.ShippedRules);
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        using var engine = new Hids.Engine.Analysis.RuleEngine(loaded.Ruleset, new Hids.Engine.Analysis.RuleEngineOptions { Hostname = "testhost" });

        var (r, events, log, _) = NewResponder(c => c.ActiveResponses.Add(Drop(3)));
        using (r)
        {
            r.Start();
            var nft = (NftablesBackend)r.Settings.BackendFor(r.Settings.Commands["firewall-drop"]);
            Hids.Engine.Alerts.Alert? fired = null;
            for (int i = 0; i < 12 && fired is null; i++)
            {
                var line = $"Dec  4 20:41:{i:00} testhost sshd[1234]: Failed password for root from {_lab.PeerV4} port 4242 ssh2";
                var alert = engine.Analyze(new Hids.Engine.Analysis.LogEvent { FullLog = line, Location = "/var/log/auth.log", ReceivedAt = DateTimeOffset.Now });
                if (alert is not null) r.Write(alert);
                if (alert is { Level: >= 10 }) fired = alert;
            }
            Assert.NotNull(fired);
            Assert.Equal(_lab.PeerV4.ToString(), fired!.SrcIp);
            // Dropped: the set holds the peer and new connections fail (polled; the bench times it).
            Assert.NotNull(NetnsLab.WaitFor(() => nft.ListBlocked().Any(b => b.Address.Equals(_lab.PeerV4)), TimeSpan.FromSeconds(5)));
            Assert.False(_lab.PeerCanConnect(ep, 500), "the peer must be dropped while blocked");
            var element = nft.ListBlocked().Single(b => b.Address.Equals(_lab.PeerV4));
            Assert.NotNull(element.ExpiresInSeconds); // the element carries its own timeout
            Assert.True(element.ExpiresInSeconds <= 3);
            Assert.Equal(4, nft.CountRules());
            Assert.Contains($"Hids active-response: added srcip {_lab.PeerV4} (firewall-drop, rule {fired.RuleId}, timeout 3)", events.Lines);

            // After the timeout the peer reaches the port again.
            Assert.NotNull(NetnsLab.WaitFor(() => _lab.PeerCanConnect(ep, 500), TimeSpan.FromSeconds(15), 200));
            Assert.NotNull(NetnsLab.WaitFor(() => events.Lines.Contains($"Hids active-response: deleted srcip {_lab.PeerV4} (firewall-drop, rule {fired.RuleId}, timeout 3)"), TimeSpan.FromSeconds(5)));
            Assert.Empty(r.Service.Store.List());

            // The responder's own events raise rules 601 and 602 through the same engine (and trigger no response).
            var arAlerts = events.Events.Select(e => engine.Analyze(e)).Where(a => a is not null).ToList();
            Assert.Contains(arAlerts, a => a!.RuleId == 601);
            Assert.Contains(arAlerts, a => a!.RuleId == 602);
            foreach (var a in arAlerts) Assert.Empty(r.Respond(a!));
        }
    }

    [Fact]
    public void The_kernel_unblocks_on_time_when_no_monitor_is_running()
    {
        var port = _lab.Listen(_lab.ServerV4);
        var ep = new IPEndPoint(_lab.ServerV4, port);
        var (r, _, _, paths) = NewResponder(c => c.ActiveResponses.Add(Drop(2)));
        r.Start();
        Assert.Equal(BlockStatus.Blocked, Assert.Single(r.Respond(ArTest.BruteForce(_lab.PeerV4.ToString()))).Status);
        r.Dispose(); // the monitor is gone; nothing in this process will unblock
        Assert.False(_lab.PeerCanConnect(ep, 500));
        Assert.NotNull(NetnsLab.WaitFor(() => _lab.PeerCanConnect(ep, 500), TimeSpan.FromSeconds(15), 200));
        // The record is still there (overdue) until a responder starts and tidies it up.
        using var store = BlockStateStore.Open(paths);
        Assert.True(Assert.Single(store.List()).Overdue);
    }

    [Fact]
    public void Ipv6_peers_are_dropped_through_the_ipv6_set()
    {
        var port = _lab.Listen(_lab.ServerV6);
        var ep = new IPEndPoint(_lab.ServerV6, port);
        Assert.NotNull(NetnsLab.WaitFor(() => _lab.PeerCanConnect(ep, 1000), TimeSpan.FromSeconds(10), 200));
        var (r, _, _, _) = NewResponder(c => c.ActiveResponses.Add(Drop(60)));
        using (r)
        {
            Assert.Equal(BlockStatus.Blocked, Assert.Single(r.Respond(ArTest.BruteForce(_lab.PeerV6.ToString()))).Status);
            Assert.False(_lab.PeerCanConnect(ep, 500));
            var b = Assert.Single(r.Service.Store.List());
            Assert.Equal(BlockStatus.Blocked, r.Service.Unblock(b, "test").Status);
            Assert.True(_lab.PeerCanConnect(ep, 2000));
        }
    }

    [Fact]
    public void White_listed_loopback_and_the_namespaces_own_addresses_are_never_blocked()
    {
        var port = _lab.Listen(_lab.ServerV4);
        var ep = new IPEndPoint(_lab.ServerV4, port);
        var (r, _, log, _) = NewResponder(c =>
        {
            c.ActiveResponses.Add(Drop(60));
            c.Global.WhiteList.Add(_lab.PeerV4 + "/32");
            c.Global.WhiteList.Add(_lab.PeerV6.ToString()[..^1] + "/64");
        });
        using (r)
        {
            foreach (var ip in new[] { _lab.PeerV4.ToString(), _lab.PeerV6.ToString(), "127.0.0.1", "::1", _lab.ServerV4.ToString(), _lab.ServerV6.ToString() })
                Assert.Equal(BlockStatus.Protected, Assert.Single(r.Respond(ArTest.BruteForce(ip, level: 15))).Status);
            var nft = (NftablesBackend)r.Settings.BackendFor(r.Settings.Commands["firewall-drop"]);
            Assert.Empty(nft.ListBlocked());
            Assert.True(_lab.PeerCanConnect(ep, 2000));
        }
    }

    [Fact]
    public void Hostile_srcip_strings_never_reach_nft()
    {
        var (r, _, log, _) = NewResponder(c => c.ActiveResponses.Add(Drop(60)));
        using (r)
        {
            r.Respond(ArTest.BruteForce("10.9.9.9")); // creates the table
            var nft = (NftablesBackend)r.Settings.BackendFor(r.Settings.Commands["firewall-drop"]);
            string Shape() => string.Join("|", NetnsLab.Exec(_lab.Server, "nft", "-s", "list", "chain", "inet", "hidstest", "input").StdOut,
                string.Join(",", nft.ListBlocked().Select(b => b.Address)), NetnsLab.Exec(_lab.Server, "nft", "list", "tables").StdOut);
            var before = Shape();
            foreach (var hostile in new[] { "1.2.3.4; flush ruleset", "$(reboot)", "1.2.3.4 } ; add rule inet hidstest input accept ; {", "1.2.3.4 -j ACCEPT", new string('9', 300) })
                Assert.Equal(BlockStatus.Invalid, Assert.Single(r.Respond(ArTest.BruteForce(hostile))).Status);
            Assert.Equal(before, Shape());
            Assert.Equal("10.9.9.9", Assert.Single(nft.ListBlocked()).Address.ToString());
            Assert.Equal(5, log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("rejected")));
        }
    }

    [Fact]
    public void Ten_thousand_blocks_are_one_set_not_ten_thousand_rules()
    {
        var nft = new NftablesBackend(new ProcessRunner(_lab.Server), "hidstest");
        nft.EnsureReady();
        var rules = nft.CountRules();
        nft.BlockMany(Enumerable.Range(0, 10_000).Select(i => (IPAddress.Parse($"100.64.{i / 250}.{i % 250 + 1}"), (TimeSpan?)TimeSpan.FromMinutes(10))));
        Assert.Equal(10_000, nft.ListBlocked().Count);
        Assert.Equal(rules, nft.CountRules());
        Assert.Equal(4, rules);
    }

    [Fact]
    public void Iptables_fallback_drops_with_a_dedicated_chain_and_unblocks_from_state()
    {
        var port = _lab.Listen(_lab.ServerV4);
        var ep = new IPEndPoint(_lab.ServerV4, port);
        Assert.True(_lab.PeerCanConnect(ep, 3000));
        var (r, events, _, _) = NewResponder(c => c.ActiveResponses.Add(Drop(2)), backend: "iptables");
        using (r)
        {
            r.Start();
            var ipt = Assert.IsType<IptablesBackend>(r.Settings.BackendFor(r.Settings.Commands["firewall-drop"]));
            r.Write(ArTest.BruteForce(_lab.PeerV4.ToString()));
            Assert.True(r.WaitIdle());
            Assert.False(_lab.PeerCanConnect(ep, 500));
            var chain = NetnsLab.Exec(_lab.Server, "iptables", "-w", "-S", IptablesBackend.Chain).StdOut;
            Assert.Contains(ipt.UsesIpset ? "--match-set hids-blocked4" : $"-s {_lab.PeerV4}/32", chain);
            Assert.Contains($"-j {IptablesBackend.Chain}", NetnsLab.Exec(_lab.Server, "iptables", "-w", "-S", "INPUT").StdOut);
            Assert.NotNull(NetnsLab.WaitFor(() => _lab.PeerCanConnect(ep, 500), TimeSpan.FromSeconds(15), 200));
            Assert.NotNull(NetnsLab.WaitFor(() => events.Lines.Any(l => l.Contains("deleted srcip")), TimeSpan.FromSeconds(5)));
            if (!ipt.UsesIpset) Assert.Equal(0, ipt.CountRules());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Iptables_backend_blocks_and_unblocks_in_both_modes(bool ipset)
    {
        if (ipset && ToolLocator.Find("ipset") is null) ipset = false; // Install-Deps installs ipset; without it the rule mode is tested twice
        var port = _lab.Listen(_lab.ServerV4);
        var ep = new IPEndPoint(_lab.ServerV4, port);
        var ipt = new IptablesBackend(new ProcessRunner(_lab.Server), useIpset: ipset);
        var target = new ResponseTarget(_lab.PeerV4, null);
        var ctx = new ResponseContext(null, null, null, "test");
        ipt.Block(target, TimeSpan.FromSeconds(60), ctx);
        ipt.Block(target, TimeSpan.FromSeconds(60), ctx); // idempotent: still one rule / one entry
        Assert.False(_lab.PeerCanConnect(ep, 500));
        Assert.Equal(1, ipt.CountRules());
        ipt.Unblock(target, ctx);
        ipt.Unblock(target, ctx);
        Assert.True(_lab.PeerCanConnect(ep, 2000));
        Assert.Equal(ipset ? 1 : 0, ipt.CountRules());
    }
}
