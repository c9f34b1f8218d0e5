using System.Collections.Concurrent;
using Hids.Engine.Alerts;
using Hids.Engine.Analysis;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Tests.ActiveResponse;

/// <summary>An operational log that keeps its entries for assertions.</summary>
public sealed class ListLog : IHidsLog
{
    public ConcurrentQueue<(LogLevel Level, string Component, string Message)> Entries { get; } = new();
    public void Write(LogLevel level, string component, string message) => Entries.Enqueue((level, component, message));
    public bool Has(LogLevel level, string fragment) => Entries.Any(e => e.Level == level && e.Message.Contains(fragment));
    public override string ToString() => string.Join("\n", Entries.Select(e => $"{e.Level} {e.Message}"));
}

/// <summary>The events an ActiveResponder emits.</summary>
public sealed class EventSink
{
    public ConcurrentQueue<LogEvent> Events { get; } = new();
    public void Emit(LogEvent e) => Events.Enqueue(e);
    public IEnumerable<string> Lines => Events.Select(e => e.FullLog);
}

public static class ArTest
{
    /// <summary>A temp instance whose configuration points hosts.deny at a temp file and the firewall at a test table.</summary>
    public static (InstancePaths Paths, HidsConfiguration Config, string HostsDeny) NewInstance(TempDir dir, string? table = null)
    {
        var paths = new InstancePaths(dir.Combine("instance"));
        foreach (var f in paths.Folders) Directory.CreateDirectory(f);
        var hostsDeny = dir.Combine("hosts.deny");
        var config = new HidsConfiguration();
        config.Hids.HostsDenyPath = hostsDeny;
        config.Hids.NftTable = table ?? "hidstest";
        return (paths, config, hostsDeny);
    }

    /// <summary>The alert the sshd brute-force rule raises after repeated "Failed password" lines from <paramref name="ip"/>.</summary>
    public static Alert BruteForce(string ip, int rule = 5720, int level = 10) => new()
    {
        AlertId = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Random.Shared.Next(1, 1_000_000)}",
        Time = DateTimeOffset.Now,
        RuleId = rule,
        Level = level,
        Description = "sshd: Multiple authentication failures.",
        Groups = new[] { "syslog", "sshd", "authentication_failures" },
        Host = "testhost",
        Location = "/var/log/auth.log",
        Decoder = "sshd",
        ProgramName = "sshd",
        SrcIp = ip,
        SrcPort = "4242",
        User = "root",
        FullLog = $"Dec  4 20:41:07 testhost sshd[1234]: Failed password for root from {ip} port 4242 ssh2",
        PreviousEvents = Enumerable.Range(0, 7).Select(i => $"Dec  4 20:41:0{i} testhost sshd[1234]: Failed password for root from {ip} port 4242 ssh2").ToArray(),
    };
}
