using System.Management.Automation;
using Hids.Engine.Alerts;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Alerts;

/// <summary>Queries the instance's alert store (queue/alerts.db); -Follow streams new alerts until Ctrl+C.</summary>
[Cmdlet(VerbsCommon.Get, "HidsAlert")]
[OutputType(typeof(Alert))]
public sealed class GetHidsAlertCommand : HidsInstanceCmdlet
{
    [Parameter]
    [ValidateRange(0, 16)]
    [Alias("Level")]
    public int MinimumLevel { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("Rule")]
    public int[]? RuleId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    [Parameter]
    public DateTime Since { get; set; }

    [Parameter]
    public DateTime Until { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("SrcIp")]
    public string[]? SourceIp { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? User { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>How often -Follow polls the store (milliseconds).</summary>
    [Parameter]
    [ValidateRange(50, 60000)]
    public int PollInterval { get; set; } = 500;

    private readonly ManualResetEventSlim _stopping = new(false);

    protected override void ProcessRecord()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(First)) && MyInvocation.BoundParameters.ContainsKey(nameof(Last)) && !Follow)
        {
            WriteHidsError("-First and -Last cannot be used together (except with -Follow, where -First ends the stream).",
                "FirstAndLast", ErrorCategory.InvalidArgument, null);
            return;
        }
        if (!RequireInstance()) return;
        var q = BuildQuery();
        var storePath = Paths.AlertStore;

        if (!Follow)
        {
            if (!File.Exists(storePath)) { WriteVerbose($"No alert store yet at {storePath}: no alerts."); return; }
            using var store = Open(storePath);
            if (store is null) return;
            WriteDebug(store.ExplainQuery(q));
            foreach (var a in store.Query(q)) WriteObject(a);
            return;
        }

        // -Follow: optionally the last N, then everything stored after, until Ctrl+C (or -First alerts were streamed).
        int limit = First > 0 ? First : int.MaxValue, streamed = 0;
        long after = 0;
        AlertStore? s = null;
        try
        {
            while (!_stopping.IsSet)
            {
                if (s is null && File.Exists(storePath))
                {
                    s = Open(storePath);
                    if (s is null) return;
                    if (Last > 0)
                    {
                        var initial = new AlertQuery { MinimumLevel = q.MinimumLevel, RuleIds = q.RuleIds, Groups = q.Groups, Since = q.Since, Until = q.Until,
                            SourceIps = q.SourceIps, Users = q.Users, Paths = q.Paths, Match = q.Match, Last = Last };
                        after = s.MaxId();
                        foreach (var a in s.Query(initial)) { WriteObject(a); if (++streamed >= limit) return; }
                    }
                    else after = s.MaxId();
                }
                if (s is not null)
                {
                    q.AfterId = after;
                    q.First = null; q.Last = null;
                    var max = s.MaxId();
                    foreach (var a in s.Query(q))
                    {
                        WriteObject(a);
                        if (++streamed >= limit) return;
                    }
                    after = Math.Max(after, max);
                }
                _stopping.Wait(PollInterval);
            }
        }
        finally { s?.Dispose(); }
    }

    private AlertStore? Open(string path)
    {
        try { return AlertStore.OpenReader(path); }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            WriteHidsError($"Cannot open the alert store {path}: {ex.Message}", "AlertStoreUnreadable", ErrorCategory.ReadError, path);
            return null;
        }
    }

    private AlertQuery BuildQuery()
    {
        var b = MyInvocation.BoundParameters;
        return new AlertQuery
        {
            MinimumLevel = b.ContainsKey(nameof(MinimumLevel)) ? MinimumLevel : null,
            RuleIds = RuleId,
            Groups = Group,
            Since = b.ContainsKey(nameof(Since)) ? ToOffset(Since) : null,
            Until = b.ContainsKey(nameof(Until)) ? ToOffset(Until) : null,
            SourceIps = SourceIp,
            Users = User,
            Paths = Path,
            Match = Match,
            First = First > 0 && !Follow ? First : null,
            Last = Last > 0 && !Follow ? Last : null,
        };
    }

    private static DateTimeOffset ToOffset(DateTime t) => t.Kind == DateTimeKind.Utc ? new DateTimeOffset(t, TimeSpan.Zero) : new DateTimeOffset(t);

    protected override void StopProcessing() => _stopping.Set();
}
