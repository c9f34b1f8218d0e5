using System.Text.Json;
using System.Text.Json.Serialization;
using Hids.Engine.Core;

namespace Hids.Engine.Monitor;

/// <summary>
/// The monitor's health, written by hidsd to var/run/status.json every few seconds and read by Get-HidsStatus.
/// Plain public properties so that it formats, survives ConvertTo-Json and remoting.
/// </summary>
public sealed class MonitorStatus
{
    public bool Running { get; set; }
    /// <summary>Starting, Running, Stopping, Stopped, NotRunning, Failed.</summary>
    public string State { get; set; } = "NotRunning";
    /// <summary>The pid a leftover pid file names when the monitor did not stop cleanly (State Crashed), else null.</summary>
    public int? StalePid { get; set; }
    public int Pid { get; set; }
    public string Instance { get; set; } = "";
    public string Version { get; set; } = "";
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public TimeSpan Uptime { get; set; }
    public bool Foreground { get; set; }
    public int QueueDepth { get; set; }
    public int QueueCapacity { get; set; }
    public long EventsReceived { get; set; }
    public long EventsAnalyzed { get; set; }
    public long EventsDropped { get; set; }
    public long AlertsTotal { get; set; }
    public int AlertsPerMinute { get; set; }
    public DateTimeOffset? LastAlertAt { get; set; }
    public long ResidentMemoryBytes { get; set; }
    /// <summary>Memory the .NET GC has committed for the managed heap.</summary>
    public long ManagedHeapBytes { get; set; }
    public List<TailedFileStatus> Files { get; set; } = new();
    public List<CommandStatus> Commands { get; set; } = new();
    public List<PartStatus> Parts { get; set; } = new();
    /// <summary>Parts this build does not have (their area has not landed).</summary>
    public List<string> Unavailable { get; set; } = new();
    // Convenience copies from the parts' own status objects.
    public DateTimeOffset? SyscheckLastScan { get; set; }
    public int? RealtimeWatches { get; set; }
    public int? MailsQueued { get; set; }

    public override string ToString() => $"{State} pid {Pid} ({Instance})";

    public string ToJson() => JsonSerializer.Serialize(this, HidsJson.Status.MonitorStatus);

    public static MonitorStatus? Read(string file)
    {
        try { return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), HidsJson.Status.MonitorStatus) : null; }
        catch (JsonException) { return null; }
        catch (IOException) { return null; }
    }

    /// <summary>Writes the status file atomically (temp + rename) so a reader never sees half of it.</summary>
    public void Write(string file)
    {
        AtomicFile.Write(file, ToJson());
    }
}

/// <summary>One hosted part's health: its name, state and its own status properties as text.</summary>
public sealed class PartStatus
{
    public string Name { get; set; } = "";
    public string State { get; set; } = "";
    public Dictionary<string, string> Details { get; set; } = new();
    public override string ToString() => $"{Name}: {State}";
}
