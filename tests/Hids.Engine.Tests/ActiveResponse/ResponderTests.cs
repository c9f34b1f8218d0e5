using System.Text.Json;
using Hids.Engine.ActiveResponse;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.ActiveResponse;

/// <summary>The responder with host-deny on a temp hosts.deny, custom commands, state and escalation (no firewall needed).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ResponderTests
{
    private static ActiveResponseOptions HostDeny(int? timeout = 600, int? level = 6, params int[] ro) => new()
    { Command = "host-deny", Location = "local", Level = level, Timeout = timeout, RepeatedOffenders = ro.ToList() };

    private static ActiveResponder NewResponder(InstancePaths paths, HidsConfiguration cfg, EventSink events, ListLog log)
    {
        var settings = ActiveResponseSettings.From(cfg, paths, networkNamespace: null, ownAddresses: () => new[] { System.Net.IPAddress.Parse("192.0.2.1") });
        return new ActiveResponder(paths, settings, events.Emit, log) { ExpiryPollInterval = TimeSpan.FromMilliseconds(100) };
    }

    [Fact]
    public void Hosts_deny_lines_are_added_and_removed_atomically_keeping_other_lines()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var file = dir.Combine("hosts.deny");
        File.WriteAllText(file, "# /etc/hosts.deny: local comments\nsshd: 192.0.2.200\n\nALL: 198.51.100.1\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var b = new HostsDenyBackend(file);
        var ctx = new ResponseContext(null, null, null, "test");
        var before = new FileInfo(file);
        b.Block(new ResponseTarget(System.Net.IPAddress.Parse("203.0.113.9"), null), null, ctx);
        b.Block(new ResponseTarget(System.Net.IPAddress.Parse("203.0.113.9"), null), null, ctx); // idempotent
        b.Block(new ResponseTarget(System.Net.IPAddress.Parse("2001:db8::9"), null), null, ctx);
        Assert.Equal(new[] { "# /etc/hosts.deny: local comments", "sshd: 192.0.2.200", "", "ALL: 198.51.100.1", "ALL: 203.0.113.9", "ALL: [2001:db8::9]" },
            File.ReadAllLines(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(file));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir.Path, ".hosts.deny.hids-*.tmp")));
        b.Unblock(new ResponseTarget(System.Net.IPAddress.Parse("203.0.113.9"), null), ctx);
        b.Unblock(new ResponseTarget(System.Net.IPAddress.Parse("203.0.113.9"), null), ctx); // idempotent
        b.Unblock(new ResponseTarget(System.Net.IPAddress.Parse("2001:db8::9"), null), ctx);
        Assert.Equal(new[] { "# /etc/hosts.deny: local comments", "sshd: 192.0.2.200", "", "ALL: 198.51.100.1" }, File.ReadAllLines(file));
        // OSSEC's own form "ALL:ip" is recognised too.
        File.AppendAllText(file, "ALL:203.0.113.77\n");
        b.Unblock(new ResponseTarget(System.Net.IPAddress.Parse("203.0.113.77"), null), ctx);
        Assert.DoesNotContain("203.0.113.77", File.ReadAllText(file));
    }

    [Fact]
    public void Concurrent_writers_lose_no_line()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var file = dir.Combine("hosts.deny");
        File.WriteAllText(file, "keep: me\n");
        Parallel.For(0, 40, i => new HostsDenyBackend(file).Block(new ResponseTarget(System.Net.IPAddress.Parse($"203.0.113.{i + 1}"), null), null, new ResponseContext(null, null, null, "t")));
        var lines = File.ReadAllLines(file);
        Assert.Equal(41, lines.Length);
        Assert.Equal("keep: me", lines[0]);
    }

    [Fact]
    public void A_brute_force_alert_blocks_logs_emits_601_style_event_and_unblocks_on_time()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(HostDeny(timeout: 2));
        var events = new EventSink(); var log = new ListLog();
        using var r = NewResponder(paths, cfg, events, log);
        r.Start();
        r.Write(ArTest.BruteForce("203.0.113.9"));
        Assert.True(r.WaitIdle());
        Assert.Contains("ALL: 203.0.113.9", File.ReadAllLines(hostsDeny));
        Assert.Contains("Hids active-response: added srcip 203.0.113.9 (host-deny, rule 5720, timeout 2)", events.Lines);
        Assert.All(events.Events, e => Assert.Equal("active-response", e.Location));
        var block = Assert.Single(r.Service.Store.List());
        Assert.Equal(("203.0.113.9", "host-deny", 5720, 1, 2), (block.Address, block.Command, block.RuleId, block.Offences, block.TimeoutSeconds));
        Assert.True(log.Has(LogLevel.Info, "Blocked 203.0.113.9 with host-deny"));
        Assert.Contains("added srcip 203.0.113.9", File.ReadAllText(Path.Combine(paths.Logs, "active-responses.log")));

        Assert.NotNull(NetnsLab.WaitFor(() => !File.ReadAllText(hostsDeny).Contains("203.0.113.9"), TimeSpan.FromSeconds(10)));
        Assert.NotNull(NetnsLab.WaitFor(() => events.Lines.Contains("Hids active-response: deleted srcip 203.0.113.9 (host-deny, rule 5720, timeout 2)"), TimeSpan.FromSeconds(5)));
        Assert.Empty(r.Service.Store.List());
    }

    [Fact]
    public void Active_response_alerts_themselves_never_trigger_a_response()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(HostDeny(level: 1));
        using var r = NewResponder(paths, cfg, new EventSink(), new ListLog());
        var a = ArTest.BruteForce("203.0.113.9", rule: 601, level: 3);
        a.Location = "active-response"; a.Groups = new[] { "ossec", "active_response" };
        Assert.Empty(r.Respond(a));
        Assert.False(File.Exists(hostsDeny));
    }

    [Fact]
    public void Matching_follows_level_rules_id_and_rules_group_and_skips_disabled_entries()
    {
        var a = ArTest.BruteForce("203.0.113.9", rule: 5720, level: 10);
        Assert.True(ActiveResponder.Applies(new ActiveResponseOptions { Level = 10 }, a));
        Assert.False(ActiveResponder.Applies(new ActiveResponseOptions { Level = 11 }, a));
        Assert.True(ActiveResponder.Applies(new ActiveResponseOptions { RulesId = { 5712, 5720 } }, a));
        Assert.False(ActiveResponder.Applies(new ActiveResponseOptions { RulesId = { 5712 } }, a));
        Assert.True(ActiveResponder.Applies(new ActiveResponseOptions { RulesGroup = { "authentication_failures," } }, a));
        Assert.True(ActiveResponder.Applies(new ActiveResponseOptions { RulesGroup = { "web|sshd" } }, a));
        Assert.False(ActiveResponder.Applies(new ActiveResponseOptions { RulesGroup = { "web" } }, a));
        Assert.False(ActiveResponder.Applies(new ActiveResponseOptions(), a));

        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        var entry = HostDeny(level: 1); entry.Disabled = true;
        cfg.ActiveResponses.Add(entry);
        using var r = NewResponder(paths, cfg, new EventSink(), new ListLog());
        Assert.Empty(r.Respond(a));
        Assert.False(File.Exists(hostsDeny));
    }

    [Fact]
    public void White_listed_loopback_and_own_addresses_are_never_blocked_whatever_the_rule()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.Global.WhiteList.AddRange(new[] { "198.51.100.0/24", "2001:db8:aa::/48", "203.0.113.50" });
        cfg.ActiveResponses.Add(HostDeny(level: 1));
        var log = new ListLog();
        using var r = NewResponder(paths, cfg, new EventSink(), log);
        foreach (var ip in new[] { "127.0.0.1", "127.1.2.3", "::1", "198.51.100.77", "2001:db8:aa:1::5", "203.0.113.50", "192.0.2.1", "::ffff:127.0.0.1" })
        {
            var outcome = Assert.Single(r.Respond(ArTest.BruteForce(ip, level: 15)));
            Assert.Equal(BlockStatus.Protected, outcome.Status);
        }
        Assert.False(File.Exists(hostsDeny));
        Assert.Empty(r.Service.Store.List());
        Assert.True(log.Has(LogLevel.Info, "are never blocked"));
        // ...while a neighbour outside the white list is blocked.
        Assert.Equal(BlockStatus.Blocked, Assert.Single(r.Respond(ArTest.BruteForce("203.0.113.51"))).Status);
    }

    [Theory]
    [MemberData(nameof(AddressValidationTests.Hostile), MemberType = typeof(AddressValidationTests))]
    public void Hostile_srcip_blocks_nothing_executes_nothing_and_is_logged(string srcip)
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        var marker = dir.Combine("executed");
        var script = dir.Combine("custom.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$@\" >> '{marker}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        cfg.Commands.Add(new CommandOptions { Name = "custom", Executable = script, Expect = "srcip", TimeoutAllowed = true });
        cfg.ActiveResponses.Add(HostDeny(level: 1));
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "custom", Level = 1, Timeout = 60 });
        var log = new ListLog();
        using var r = NewResponder(paths, cfg, new EventSink(), log);
        var outcomes = r.Respond(ArTest.BruteForce(srcip, level: 15));
        if (srcip.Length == 0) { Assert.Empty(outcomes); }
        else
        {
            Assert.Equal(2, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(BlockStatus.Invalid, o.Status));
            Assert.True(log.Has(LogLevel.Warning, "rejected"), log.ToString());
        }
        Assert.False(File.Exists(hostsDeny));
        Assert.False(File.Exists(marker));
        Assert.Empty(r.Service.Store.List());
    }

    [Fact]
    public void Custom_commands_get_an_argument_vector_and_the_alert_as_json_on_stdin()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, _) = ArTest.NewInstance(dir);
        var argsFile = dir.Combine("args"); var stdinFile = dir.Combine("stdin");
        var script = Path.Combine(paths.Bin, "record.sh"); // relative executables live in the instance's bin/
        File.WriteAllText(script, $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{argsFile}'\ncat >> '{stdinFile}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        cfg.Commands.Add(new CommandOptions { Name = "record", Executable = "record.sh", Expect = "srcip,user", TimeoutAllowed = true, ExtraArgs = { "--x y" } });
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "record", RulesId = { 5720 }, Timeout = 1 });
        var events = new EventSink();
        using var r = NewResponder(paths, cfg, events, new ListLog());
        r.Start();
        var alert = ArTest.BruteForce("203.0.113.9");
        alert.User = "root";
        r.Write(alert);
        Assert.True(r.WaitIdle());
        var lines = File.ReadAllLines(argsFile);
        Assert.Equal(new[] { "add", "root", "203.0.113.9", alert.AlertId, "5720", "/var/log/auth.log", "--x y" }, lines.Take(7));
        var json = JsonDocument.Parse(File.ReadAllLines(stdinFile)[0]).RootElement;
        Assert.Equal("add", json.GetProperty("command").GetString());
        Assert.Equal("203.0.113.9", json.GetProperty("srcip").GetString());
        // The alert in the documented alerts.json schema (docs/alerts.md), not the .NET property names.
        Assert.Equal(5720, json.GetProperty("alert").GetProperty("rule").GetProperty("id").GetInt32());
        Assert.Equal("203.0.113.9", json.GetProperty("alert").GetProperty("srcip").GetString());
        // timeout_allowed: the delete runs when the timeout is up.
        Assert.NotNull(NetnsLab.WaitFor(() => File.Exists(argsFile) && File.ReadAllLines(argsFile).Contains("delete"), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Repeated_offenders_escalate_per_address_and_the_escalation_is_recorded()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(HostDeny(timeout: 600, level: 6, 30, 60, 120));
        var events = new EventSink();
        using var r = NewResponder(paths, cfg, events, new ListLog());
        var expected = new[] { (1, 600), (2, 1800), (3, 3600), (4, 7200), (5, 7200) };
        foreach (var (offence, timeout) in expected)
        {
            var o = Assert.Single(r.Respond(ArTest.BruteForce("203.0.113.9")));
            Assert.Equal(BlockStatus.Blocked, o.Status);
            Assert.Equal(offence, o.Block!.Offences);
            Assert.Equal(timeout, o.Block.TimeoutSeconds);
            Assert.Equal(offence, r.Service.Store.Get("203.0.113.9", "host-deny")!.Offences);
            // While blocked, further alerts do not count as new offences.
            Assert.Equal(BlockStatus.AlreadyBlocked, Assert.Single(r.Respond(ArTest.BruteForce("203.0.113.9"))).Status);
            Assert.Equal(BlockStatus.Blocked, r.Service.Unblock(o.Block, "test").Status);
        }
        Assert.Contains("Hids active-response: added srcip 203.0.113.9 (host-deny, rule 5720, timeout 1800)", events.Lines);
        // Another address starts at its first offence.
        Assert.Equal(600, Assert.Single(r.Respond(ArTest.BruteForce("203.0.113.10"))).Block!.TimeoutSeconds);
        // Offences older than the window no longer count.
        r.Service.Clock = () => DateTimeOffset.UtcNow.AddDays(2);
        r.Service.Unblock(r.Service.Store.Get("203.0.113.10", "host-deny")!, "test");
        var o2 = Assert.Single(r.Respond(ArTest.BruteForce("203.0.113.9")));
        Assert.Equal((1, 600), (o2.Block!.Offences, o2.Block.TimeoutSeconds!.Value));
    }

    [Fact]
    public void After_a_restart_pending_unblocks_happen_on_time_and_expired_ones_at_start()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(HostDeny(timeout: 600, level: 6));
        var events = new EventSink();
        // First run: two blocks, one short (expires while "down") and one a little longer (pending at restart).
        var first = NewResponder(paths, cfg, events, new ListLog());
        first.Service.Block("203.0.113.1", null, "host-deny", 1, null, new ResponseContext(null, 5720, null, "t"), "rule");
        first.Service.Block("203.0.113.2", null, "host-deny", 4, null, new ResponseContext(null, 5720, null, "t"), "rule");
        first.Service.Block("203.0.113.3", null, "host-deny", 3600, null, new ResponseContext(null, 5720, null, "t"), "rule");
        first.Dispose(); // the monitor stops (crash or restart): nothing is unblocked on the way down
        Assert.Contains("ALL: 203.0.113.1", File.ReadAllText(hostsDeny));
        Thread.Sleep(1500);
        var log = new ListLog();
        using var second = NewResponder(paths, cfg, events, log);
        second.Start();
        // Expired while down: removed at start.
        Assert.DoesNotContain("203.0.113.1", File.ReadAllText(hostsDeny));
        Assert.True(log.Has(LogLevel.Info, "not running"), log.ToString());
        Assert.Contains("203.0.113.2", File.ReadAllText(hostsDeny));
        // Pending: removed on time by the restarted responder.
        var t = NetnsLab.WaitFor(() => !File.ReadAllText(hostsDeny).Contains("203.0.113.2"), TimeSpan.FromSeconds(10));
        Assert.NotNull(t);
        Assert.Contains("203.0.113.3", File.ReadAllText(hostsDeny));
        Assert.Equal("203.0.113.3", Assert.Single(second.Service.Store.List()).Address);
    }

    [Fact]
    public void A_block_is_recorded_before_it_is_applied_so_a_crash_in_between_never_leaves_an_unlifted_block()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        var t0 = DateTimeOffset.UtcNow;
        // What a monitor that died between the write-ahead record and the hosts.deny change leaves: a row marked as
        // being applied two minutes ago, and no line (a death just after the change leaves the line too: same repair).
        using (var store = BlockStateStore.Open(paths))
        {
            store.RecordBlock(new BlockedAddress { Address = "203.0.113.50", Command = "host-deny", Since = t0.AddMinutes(-2), Expires = t0.AddSeconds(30),
                TimeoutSeconds = 150, Reason = "t", Offences = 1, Backend = "host-deny", Origin = "rule" }, applyingSince: t0.AddMinutes(-2));
            // ... and one that another live process is applying right now, already past its (tiny) timeout.
            store.RecordBlock(new BlockedAddress { Address = "203.0.113.51", Command = "host-deny", Since = t0.AddSeconds(-3), Expires = t0.AddSeconds(-1),
                TimeoutSeconds = 2, Reason = "t", Offences = 1, Backend = "host-deny", Origin = "manual" }, applyingSince: t0.AddSeconds(-3));
        }
        Assert.False(File.Exists(hostsDeny));
        var clock = t0;
        using var r = NewResponder(paths, cfg, new EventSink(), new ListLog());
        r.Service.Clock = () => clock;
        r.Service.ProcessExpired(atStart: true);
        Assert.Equal(1, r.Service.Reapply());
        // The orphan is applied and is an ordinary block now; the one being applied elsewhere is neither lifted nor touched.
        Assert.Contains("ALL: 203.0.113.50", File.ReadAllLines(hostsDeny));
        Assert.DoesNotContain("203.0.113.51", File.ReadAllText(hostsDeny));
        Assert.Equal(new[] { "203.0.113.50", "203.0.113.51" }, r.Service.Store.List().Select(b => b.Address).OrderBy(a => a));
        Assert.Null(r.Service.Store.Get("203.0.113.50", "host-deny")!.ApplyingSince);
        // Its timeout lifts it; the other one's apply mark goes stale after the grace and it is lifted too.
        clock = t0.AddSeconds(31);
        Assert.Equal(1, r.Service.ProcessExpired());
        Assert.DoesNotContain("203.0.113.50", File.ReadAllText(hostsDeny));
        clock = t0 + BlockStateStore.ApplyGrace;
        Assert.Equal(1, r.Service.ProcessExpired());
        Assert.Empty(r.Service.Store.List());
    }

    [Fact]
    public void A_block_that_cannot_be_applied_leaves_no_record_and_no_offence()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, _) = ArTest.NewInstance(dir);
        File.WriteAllText(dir.Combine("not-a-folder"), "");
        cfg.Hids.HostsDenyPath = dir.Combine("not-a-folder", "hosts.deny");   // the write fails
        using var r = NewResponder(paths, cfg, new EventSink(), new ListLog());
        var o = r.Service.Block("203.0.113.60", null, "host-deny", 600, null, new ResponseContext(null, 5720, null, "t"), "rule");
        Assert.Equal(BlockStatus.Failed, o.Status);
        Assert.Empty(r.Service.Store.List());
        Assert.Equal(0, r.Service.Store.CountOffences("203.0.113.60", "host-deny", DateTimeOffset.UtcNow.AddDays(-1)));
    }

    [Fact]
    public void Configuration_problems_are_reported_and_such_entries_never_run()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, _) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "nope", Level = 1 });
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "host-deny", Level = 1, Timeout = -5 });
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "host-deny", Level = 1, Timeout = 5, RepeatedOffenders = { 0 } });
        cfg.Global.WhiteList.Add("10.0.0.0/99");
        cfg.Hids.NftTable = "bad table; flush ruleset";
        var s = ActiveResponseSettings.From(cfg, paths, null);
        Assert.Empty(s.Responses);
        Assert.Equal(5, s.Problems.Count);
        Assert.Contains(s.Problems, p => p.Contains("not defined"));
        Assert.Contains(s.Problems, p => p.Contains("negative timeout"));
        Assert.Contains(s.Problems, p => p.Contains("white_list"));
        Assert.Equal("hids", s.NftTable);
        Assert.Throws<ArgumentException>(() => new ProcessRunner("x; reboot"));
    }

    [Fact]
    public void A_block_made_by_another_process_is_unblocked_by_the_running_responder()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        var events = new EventSink();
        using var r = NewResponder(paths, cfg, events, new ListLog());
        r.Start();
        // What Block-HidsAddress does: its own service and store connection on the same state.db.
        using (var cmdlet = new ActiveResponseService(paths, ActiveResponseSettings.From(cfg, paths, null), NullLog.Instance, null))
            Assert.Equal(BlockStatus.Blocked, cmdlet.Block("198.51.100.20", null, "host-deny", 1, null, new ResponseContext(null, null, null, "manual"), "manual").Status);
        Assert.Contains("198.51.100.20", File.ReadAllText(hostsDeny));
        Assert.NotNull(NetnsLab.WaitFor(() => !File.ReadAllText(hostsDeny).Contains("198.51.100.20"), TimeSpan.FromSeconds(10)));
        Assert.Contains("Hids active-response: deleted srcip 198.51.100.20 (host-deny, rule 0, timeout 1)", events.Lines);
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ActiveResponsePartTests
{
    [Fact]
    public void The_monitor_part_is_a_sink_that_blocks_and_emits_and_reports_status()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "host-deny", Level = 10, Timeout = 60 });
        var events = new EventSink();
        using var part = ActiveResponsePart.Create(new Hids.Engine.Monitor.MonitorContext(paths, cfg, events.Emit, new ListLog()));
        Assert.Equal("active-response", part.Name);
        part.Start!();
        part.Sink!.Write(ArTest.BruteForce("203.0.113.40"));
        part.Sink.Write(ArTest.BruteForce("$(reboot)"));
        Assert.NotNull(NetnsLab.WaitFor(() => events.Lines.Any(l => l.StartsWith("Hids active-response: added srcip 203.0.113.40 (host-deny, rule 5720, timeout 60)")), TimeSpan.FromSeconds(10)));
        Assert.NotNull(NetnsLab.WaitFor(() => part.Status!() is ActiveResponderStatus { Blocked: 1, Rejected: 1 }, TimeSpan.FromSeconds(10)));
        Assert.Contains("ALL: 203.0.113.40", File.ReadAllText(hostsDeny));
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ResponderFailureTests
{
    [Fact]
    public void A_failing_command_is_reported_as_failed_and_a_failing_unblock_is_retried_without_flooding_the_log()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, _) = ArTest.NewInstance(dir);
        var script = dir.Combine("flaky.sh");
        var okFlag = dir.Combine("ok");
        // add succeeds; delete fails until the flag file exists.
        File.WriteAllText(script, $"#!/bin/sh\ncat > /dev/null\n[ \"$1\" = add ] && exit 0\n[ -e '{okFlag}' ] && exit 0\necho 'cannot delete' >&2\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var broken = dir.Combine("broken.sh");
        File.WriteAllText(broken, "#!/bin/sh\necho 'no way' >&2\nexit 7\n");
        File.SetUnixFileMode(broken, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        cfg.Commands.Add(new CommandOptions { Name = "flaky", Executable = script, Expect = "srcip", TimeoutAllowed = true });
        cfg.Commands.Add(new CommandOptions { Name = "broken", Executable = broken, Expect = "srcip", TimeoutAllowed = true });
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "flaky", Level = 10, Timeout = 1 });
        cfg.ActiveResponses.Add(new ActiveResponseOptions { Command = "broken", Level = 10, Timeout = 1 });
        var log = new ListLog(); var events = new EventSink();
        using var r = new ActiveResponder(paths, ActiveResponseSettings.From(cfg, paths, null), events.Emit, log) { ExpiryPollInterval = TimeSpan.FromMilliseconds(50) };
        r.Service.RetryDelay = TimeSpan.FromSeconds(2);
        var outcomes = r.Respond(ArTest.BruteForce("203.0.113.60"));
        Assert.Equal(BlockStatus.Blocked, outcomes.Single(o => o.Block?.Command == "flaky" || o.Status == BlockStatus.Blocked).Status);
        var failed = outcomes.Single(o => o.Status == BlockStatus.Failed);
        Assert.Contains("no way", failed.Message);
        Assert.Contains("Hids active-response: failed srcip 203.0.113.60 (broken, rule 5720, timeout 1)", events.Lines);
        Assert.Single(r.Service.Store.List()); // only what succeeded is recorded
        r.Start();
        Thread.Sleep(2500);
        int errors = log.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("Failed to unblock"));
        Assert.InRange(errors, 1, 3); // retried every 2 s, not every 50 ms
        Assert.Single(r.Service.Store.List()); // still recorded: the unblock has not happened
        File.WriteAllText(okFlag, "");
        Assert.NotNull(NetnsLab.WaitFor(() => r.Service.Store.List().Count == 0, TimeSpan.FromSeconds(10)));
        Assert.Single(events.Lines, l => l.StartsWith("Hids active-response: deleted srcip 203.0.113.60 (flaky"));
    }

    [Fact]
    public void Two_processes_lifting_the_same_block_announce_it_once()
    {
        using var dir = TestPaths.NewTempDir("hids-ar");
        var (paths, cfg, hostsDeny) = ArTest.NewInstance(dir);
        var e1 = new EventSink(); var e2 = new EventSink();
        using var a = new ActiveResponseService(paths, ActiveResponseSettings.From(cfg, paths, null), NullLog.Instance, e1.Emit);
        using var b = new ActiveResponseService(paths, ActiveResponseSettings.From(cfg, paths, null), NullLog.Instance, e2.Emit);
        var block = a.Block("203.0.113.61", null, "host-deny", 60, null, new ResponseContext(null, 5720, null, "t"), "rule").Block!;
        Assert.Equal(BlockStatus.Blocked, a.Unblock(block, "first").Status);
        Assert.Equal(BlockStatus.Blocked, b.Unblock(block, "second").Status);
        Assert.Single(e1.Lines.Concat(e2.Lines), l => l.Contains("deleted"));
        Assert.DoesNotContain("203.0.113.61", File.ReadAllText(hostsDeny));
    }
}
