using System.Globalization;
using System.Text;
using System.Text.Json;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using MimeKit;

namespace Hids.Engine.Alerts;

/// <summary>The e-mail part of the configuration, resolved.</summary>
public sealed class MailSettings
{
    public bool Enabled { get; set; }
    public SmtpSettings Smtp { get; set; } = new();
    public List<string> To { get; set; } = new();
    public int EmailAlertLevel { get; set; } = 7;
    public int MaxPerHour { get; set; } = 12;
    public List<EmailAlertOptions> Granular { get; set; } = new();
    /// <summary>How long alerts wait for companions before their mail goes out (OSSEC groups alerts that arrive close together).</summary>
    public TimeSpan GroupDelay { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>At most this many alerts in one mail (the rest go into the next mail).</summary>
    public int MaxAlertsPerMail { get; set; } = 20;
    /// <summary>A digest shows every held alert as one summary line, and the full notification of at most this many.</summary>
    public int DigestDetailLimit { get; set; } = 20;
    public TimeSpan RetryMin { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Shown in subjects when alerts carry no host (email_idsname, else this machine's name).</summary>
    public string HostName { get; set; } = Environment.MachineName;

    public static MailSettings From(HidsConfiguration c) => new()
    {
        Enabled = c.Global.EmailNotification,
        Smtp = SmtpSettings.FromGlobal(c.Global),
        To = c.Global.EmailTo.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).ToList(),
        EmailAlertLevel = c.Alerts.EmailAlertLevel,
        MaxPerHour = c.Global.EmailMaxPerHour <= 0 ? 12 : c.Global.EmailMaxPerHour,
        Granular = c.EmailAlerts.ToList(),
        HostName = string.IsNullOrWhiteSpace(c.Global.EmailIdsName) ? Environment.MachineName : c.Global.EmailIdsName!.Trim(),
    };
}

/// <summary>Who gets a given alert, and how (<paramref name="Sms"/>: the short sms format, one alert per mail).</summary>
public sealed record MailRoute(string[] To, bool Delay, bool Group, bool Sms = false)
{
    public string Key => string.Join(",", To.Select(t => t.ToLowerInvariant()).OrderBy(t => t, StringComparer.Ordinal)) + (Delay ? "|d" : "|n") + (Group ? "g" : "s") + (Sms ? "|sms" : "");
}

/// <summary>Routing: email_alert_level, rule options, &lt;email_alerts&gt; (level, group, rule, event_location, do_not_delay, do_not_group).</summary>
public static class MailRouter
{
    public static List<MailRoute> Route(Alert a, MailSettings s)
    {
        var routes = new List<MailRoute>();
        if (!s.Enabled || a.NoEmail) return routes;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (s.To.Count > 0 && (a.Level >= s.EmailAlertLevel || a.AlertByEmail))
        {
            var to = s.To.Where(seen.Add).ToArray();
            if (to.Length > 0) routes.Add(new MailRoute(to, true, true));
        }
        foreach (var g in s.Granular)
        {
            int min = g.Level ?? s.EmailAlertLevel;
            if (a.Level < min && !a.AlertByEmail) continue;
            if (g.Group.Count > 0 && !a.Groups.Any(x => g.Group.Any(y => string.Equals(x.Trim(), y.Trim().TrimEnd(','), StringComparison.OrdinalIgnoreCase)))) continue;
            if (g.RuleIds.Count > 0 && !g.RuleIds.Contains(a.RuleId)) continue;
            if (g.EventLocation.Count > 0 && !g.EventLocation.Any(l => a.Location.Contains(l, StringComparison.OrdinalIgnoreCase))) continue;
            var to = g.EmailTo.Select(t => t.Trim()).Where(t => t.Length > 0 && seen.Add(t)).ToArray();
            // <format>sms</format>: a short message per alert (SMS gateways), never grouped
            if (to.Length > 0) routes.Add(new MailRoute(to, !g.DoNotDelay, !g.DoNotGroup && !g.IsSms, g.IsSms));
        }
        return routes;
    }
}

/// <summary>Counters of the mail part (AlertDispatcher.Status).</summary>
public sealed class MailStatus
{
    public int Queued { get; set; }
    public int Pending { get; set; }
    public int Held { get; set; }
    public long Sent { get; set; }
    public long Failed { get; set; }
    public long Digests { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? NextAttempt { get; set; }
}

/// <summary>
/// E-mail notifications. Nothing is kept only in memory: an alert routed to mail is written to
/// queue/mail/pending/ (atomically) before <see cref="Write"/> returns; grouped alerts become a message in
/// queue/mail/out/*.eml; alerts above email_maxperhour move to queue/mail/held/ and go out as one digest in the next
/// hour window. Messages are deleted only after the SMTP server accepted them; failures retry with backoff. A restart
/// picks everything up from disk.
/// </summary>
public sealed class MailNotifier : IDisposable
{
    private const string Component = "hids-maild";
    private readonly MailSettings _s;
    private readonly string _root, _out, _pending, _held, _stateFile;
    private readonly TimeProvider _clock;
    private readonly IHidsLog _log;
    private readonly object _gate = new();
    private readonly object _sendGate = new();
    private readonly Dictionary<string, PendingGroup> _groups = new();
    private readonly List<Entry> _heldEntries = new();
    private long _seq;
    private DateTimeOffset _window;
    private int _windowCount;
    private TimeSpan _backoff;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private readonly MailStatus _status = new();
    private readonly Thread? _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly AutoResetEvent _wake = new(false);

    private sealed class Entry
    {
        public string File = "";
        public MailRoute Route = new(Array.Empty<string>(), true, true);
        public Alert Alert = new();
        public DateTimeOffset Queued;
    }

    private sealed class PendingGroup
    {
        public MailRoute Route = new(Array.Empty<string>(), true, true);
        public List<Entry> Entries = new();
    }

    public MailNotifier(MailSettings settings, string queueDir, IHidsLog? log = null, TimeProvider? clock = null, bool background = true)
    {
        _s = settings;
        _clock = clock ?? TimeProvider.System;
        _log = log ?? NullLog.Instance;
        _root = queueDir;
        _out = Path.Combine(queueDir, "out");
        _pending = Path.Combine(queueDir, "pending");
        _held = Path.Combine(queueDir, "held");
        _stateFile = Path.Combine(queueDir, "state.json");
        foreach (var d in new[] { _root, _out, _pending, _held }) Directory.CreateDirectory(d);
        _backoff = _s.RetryMin;
        LoadState();
        Recover();
        if (background)
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "hids-mail" };
            _thread.Start();
        }
    }

    public MailSettings Settings => _s;

    public MailStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new MailStatus
                {
                    Queued = SafeCount(_out, "*.eml"),
                    Pending = _groups.Values.Sum(g => g.Entries.Count),
                    Held = _heldEntries.Count,
                    Sent = _status.Sent, Failed = _status.Failed, Digests = _status.Digests,
                    LastError = _status.LastError,
                    NextAttempt = _nextAttempt == DateTimeOffset.MinValue ? null : _nextAttempt,
                };
            }
        }
    }

    /// <summary>Routes one alert; returns true when it will be mailed (to anyone).</summary>
    public bool Write(Alert alert)
    {
        var routes = MailRouter.Route(alert, _s);
        if (routes.Count == 0) return false;
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var r in routes)
            {
                var e = new Entry { Route = r, Alert = alert, Queued = now };
                e.File = Path.Combine(_pending, NextName(now, ".json"));
                WriteEntry(e.File, e);
                if (!_groups.TryGetValue(r.Key, out var g)) _groups[r.Key] = g = new PendingGroup { Route = r };
                g.Entries.Add(e);
            }
        }
        if (routes.Any(r => !r.Delay || !r.Group)) _wake.Set();
        return true;
    }

    /// <summary>Composes every pending group now (ignoring the group delay) and tries to send the queue once.</summary>
    public void Flush()
    {
        try { ProcessOnce(force: true); }
        catch (Exception ex) { _log.Error(Component, "flush failed: " + ex.Message); }
    }

    /// <summary>One round: roll the hour window, send the digest, compose due groups, send the queue. (Tests call it directly.)</summary>
    public void ProcessOnce(bool force = false)
    {
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            RollWindow(now);
            ComposeDigests(now);
            foreach (var key in _groups.Keys.ToList())
            {
                var g = _groups[key];
                while (g.Entries.Count > 0 && (force || IsDue(g, now)))
                {
                    int take = g.Route.Group ? Math.Min(g.Entries.Count, Math.Max(1, _s.MaxAlertsPerMail)) : 1;
                    var batch = g.Entries.GetRange(0, take);
                    g.Entries.RemoveRange(0, take);
                    if (_windowCount >= _s.MaxPerHour) Hold(batch);
                    else
                    {
                        var msg = Compose(g.Route, batch.Select(b => b.Alert).ToList(), now);
                        Enqueue(msg, now);
                        foreach (var b in batch) TryDelete(b.File);
                        _windowCount++;
                        SaveState();
                    }
                }
                if (g.Entries.Count == 0) _groups.Remove(key);
            }
        }
        SendQueue(now, force);
    }

    private bool IsDue(PendingGroup g, DateTimeOffset now)
    {
        if (!g.Route.Delay || !g.Route.Group) return true;
        if (g.Entries.Count >= _s.MaxAlertsPerMail) return true;
        return now - g.Entries[0].Queued >= _s.GroupDelay;
    }

    private void RollWindow(DateTimeOffset now)
    {
        var w = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        if (w != _window)
        {
            _window = w;
            _windowCount = 0;
            SaveState();
        }
    }

    private void Hold(List<Entry> batch)
    {
        foreach (var b in batch)
        {
            var dest = Path.Combine(_held, Path.GetFileName(b.File));
            try { File.Move(b.File, dest, overwrite: true); b.File = dest; }
            catch (IOException ex) { _log.Warn(Component, $"cannot move {b.File} to the digest queue: {ex.Message}"); }
            _heldEntries.Add(b);
        }
        if (batch.Count > 0)
            _log.Warn(Component, $"email_maxperhour ({_s.MaxPerHour}) reached: {batch.Count} alert(s) held for the next digest ({_heldEntries.Count} held).");
    }

    private void ComposeDigests(DateTimeOffset now)
    {
        if (_heldEntries.Count == 0 || _windowCount >= _s.MaxPerHour) return;
        foreach (var byKey in _heldEntries.GroupBy(e => e.Route.Key).ToList())
        {
            if (_windowCount >= _s.MaxPerHour) break;
            var entries = byKey.ToList();
            var msg = ComposeDigest(entries[0].Route, entries.Select(e => e.Alert).ToList(), now);
            Enqueue(msg, now);
            foreach (var e in entries) { TryDelete(e.File); _heldEntries.Remove(e); }
            _windowCount++;
            _status.Digests++;
            SaveState();
        }
    }

    // ---------------------------------------------------------------- composing

    private string SubjectHost(Alert a) => string.IsNullOrEmpty(a.Host) ? _s.HostName : a.Host;

    internal MimeMessage Compose(MailRoute route, IReadOnlyList<Alert> alerts, DateTimeOffset now)
    {
        if (route.Sms && alerts.Count == 1)
            return Build(route.To, AlertText.SmsSubject(alerts[0], SubjectHost(alerts[0])), AlertText.SmsBody(alerts[0]) + "\n", now);
        var top = alerts.OrderByDescending(a => a.Level).First();
        var subject = $"{AlertText.ProductName} Notification - {SubjectHost(top)} - Alert level {top.Level}";
        if (alerts.Count > 1) subject += $" ({alerts.Count} alerts)";
        var body = new StringBuilder();
        foreach (var a in alerts) body.Append('\n').Append(AlertText.Notification(a)).Append('\n');
        return Build(route.To, subject, body.ToString(), now);
    }

    internal MimeMessage ComposeDigest(MailRoute route, IReadOnlyList<Alert> alerts, DateTimeOffset now)
    {
        var top = alerts.OrderByDescending(a => a.Level).First();
        if (route.Sms)
            return Build(route.To, $"{AlertText.ProductName} {AlertText.Truncate(SubjectHost(top), 40)}: {alerts.Count} alerts held", AlertText.SmsDigestBody(alerts) + "\n", now);
        var subject = $"{AlertText.ProductName} Notification - {SubjectHost(top)} - Digest of {alerts.Count} alerts (highest level {top.Level})";
        var body = new StringBuilder();
        body.Append(AlertText.ProductName).Append(" Notification digest.\n");
        body.Append(AlertText.OssecDate(now.ToLocalTime())).Append("\n\n");
        body.Append($"email_maxperhour ({_s.MaxPerHour}) was reached; these {alerts.Count} alerts were held for this digest:\n\n");
        foreach (var a in alerts) body.Append(AlertText.SummaryLine(a)).Append('\n');
        var detail = alerts.OrderByDescending(a => a.Level).ThenBy(a => a.Time).Take(_s.DigestDetailLimit).OrderBy(a => a.Time).ToList();
        body.Append('\n');
        if (detail.Count < alerts.Count)
            body.Append($"Full notifications of the {detail.Count} highest-level alerts follow; every alert is in the alert store (Get-HidsAlert).\n");
        foreach (var a in detail) body.Append('\n').Append(AlertText.Notification(a)).Append('\n');
        return Build(route.To, subject, body.ToString(), now);
    }

    internal MimeMessage Build(IEnumerable<string> to, string subject, string body, DateTimeOffset now)
    {
        var m = new MimeMessage();
        m.From.Add(ParseAddress(_s.Smtp.From.Length > 0 ? _s.Smtp.From : "hids@localhost"));
        foreach (var t in to) m.To.Add(ParseAddress(t));
        m.Subject = AlertText.SanitizeHeader(subject, 250);
        m.Date = now;
        m.Headers.Add("X-Hids", "alert");
        m.Body = new TextPart("plain") { Text = body };
        return m;
    }

    internal static MailboxAddress ParseAddress(string address)
    {
        var a = AlertText.SanitizeHeader(address, 320);
        return MailboxAddress.TryParse(a, out var mb) ? mb : new MailboxAddress("", a);
    }

    // ---------------------------------------------------------------- disk queue

    private void Enqueue(MimeMessage msg, DateTimeOffset now)
    {
        var path = Path.Combine(_out, NextName(now, ".eml"));
        AtomicWrite(path, stream => msg.WriteTo(stream));
    }

    private string NextName(DateTimeOffset now, string ext)
        => $"{now.UtcTicks:D20}-{Environment.ProcessId}-{Interlocked.Increment(ref _seq):D8}{ext}";

    private static void AtomicWrite(string path, Action<Stream> write) => AtomicFile.Write(path, write);

    private static void WriteEntry(string path, Entry e)
    {
        AtomicWrite(path, s =>
        {
            using var w = new Utf8JsonWriter(s);
            w.WriteStartObject();
            w.WriteStartArray("to");
            foreach (var t in e.Route.To) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteBoolean("delay", e.Route.Delay);
            w.WriteBoolean("group", e.Route.Group);
            if (e.Route.Sms) w.WriteBoolean("sms", true);
            w.WriteString("queued", e.Queued.ToString("O", CultureInfo.InvariantCulture));
            w.WritePropertyName("alert");
            AlertJson.Write(w, e.Alert);
            w.WriteEndObject();
        });
    }

    private static Entry ReadEntry(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var r = doc.RootElement;
        var to = r.GetProperty("to").EnumerateArray().Select(x => x.GetString() ?? "").ToArray();
        return new Entry
        {
            File = path,
            Route = new MailRoute(to, r.GetProperty("delay").GetBoolean(), r.GetProperty("group").GetBoolean(),
                r.TryGetProperty("sms", out var sms) && sms.ValueKind == JsonValueKind.True),
            Queued = DateTimeOffset.Parse(r.GetProperty("queued").GetString()!, CultureInfo.InvariantCulture),
            Alert = AlertJson.FromElement(r.GetProperty("alert")),
        };
    }

    private void Recover()
    {
        foreach (var f in Directory.EnumerateFiles(_pending, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            try
            {
                var e = ReadEntry(f);
                if (!_groups.TryGetValue(e.Route.Key, out var g)) _groups[e.Route.Key] = g = new PendingGroup { Route = e.Route };
                g.Entries.Add(e);
            }
            catch (Exception ex) when (ex is JsonException or IOException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                _log.Error(Component, $"unreadable pending mail entry {f} ({ex.Message}); moved aside as .bad");
                TryMove(f, f + ".bad");
            }
        }
        foreach (var f in Directory.EnumerateFiles(_held, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            try { _heldEntries.Add(ReadEntry(f)); }
            catch (Exception ex) when (ex is JsonException or IOException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                _log.Error(Component, $"unreadable held mail entry {f} ({ex.Message}); moved aside as .bad");
                TryMove(f, f + ".bad");
            }
        }
        foreach (var tmp in Directory.EnumerateFiles(_out, ".*.tmp")) TryDelete(tmp); // half-written, its source is still pending
        int queued = SafeCount(_out, "*.eml"), pending = _groups.Values.Sum(g => g.Entries.Count);
        if (queued + pending + _heldEntries.Count > 0)
            _log.Info(Component, $"mail queue recovered: {queued} message(s) to send, {pending} alert(s) pending, {_heldEntries.Count} held for the digest.");
    }

    private void LoadState()
    {
        try
        {
            if (!File.Exists(_stateFile)) return;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(_stateFile));
            _window = DateTimeOffset.Parse(doc.RootElement.GetProperty("window").GetString()!, CultureInfo.InvariantCulture);
            _windowCount = doc.RootElement.GetProperty("count").GetInt32();
        }
        catch (Exception ex) when (ex is JsonException or IOException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            _log.Warn(Component, "mail state unreadable, starting a new hour window: " + ex.Message);
        }
    }

    private void SaveState()
    {
        try
        {
            AtomicWrite(_stateFile, s =>
            {
                using var w = new Utf8JsonWriter(s);
                w.WriteStartObject();
                w.WriteString("window", _window.ToString("O", CultureInfo.InvariantCulture));
                w.WriteNumber("count", _windowCount);
                w.WriteEndObject();
            });
        }
        catch (IOException ex) { _log.Warn(Component, "cannot save mail state: " + ex.Message); }
    }

    // ---------------------------------------------------------------- sending

    private void SendQueue(DateTimeOffset now, bool force)
    {
        lock (_sendGate)
        {
            if (!force && now < _nextAttempt) return;
            var files = Directory.EnumerateFiles(_out, "*.eml").OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0) return;
            if (string.IsNullOrWhiteSpace(_s.Smtp.Server))
            {
                lock (_gate) _status.LastError = "no smtp_server configured; mail stays queued";
                return;
            }
            int sent = 0;
            try
            {
                var current = new Dictionary<MimeMessage, string>(ReferenceEqualityComparer.Instance);
                IEnumerable<(MimeMessage, Action)> Messages()
                {
                    foreach (var f in files)
                    {
                        MimeMessage m;
                        try { m = MimeMessage.Load(f); }
                        catch (Exception ex) when (ex is FormatException or IOException)
                        {
                            _log.Error(Component, $"unreadable queued message {f}: {ex.Message}; moved aside as .bad");
                            TryMove(f, f + ".bad");
                            continue;
                        }
                        var path = f;
                        current[m] = path;
                        yield return (m, () => { TryDelete(path); lock (_gate) _status.Sent++; });
                    }
                }
                sent = SmtpSender.SendBatch(_s.Smtp, Messages(), _stop.Token, (m, why) =>
                {
                    if (!current.TryGetValue(m, out var path)) return;
                    var rejected = Path.Combine(_out, "rejected");
                    Directory.CreateDirectory(rejected);
                    TryMove(path, Path.Combine(rejected, Path.GetFileName(path)));
                    lock (_gate) { _status.Failed++; _status.LastError = why; }
                    _log.Error(Component, $"the SMTP server refused a message permanently ({why}); kept in {rejected}, the rest of the queue goes on.");
                });
                lock (_gate)
                {
                    _backoff = _s.RetryMin;
                    _nextAttempt = DateTimeOffset.MinValue;
                    _status.LastError = null;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                lock (_gate)
                {
                    _status.Failed++;
                    _status.LastError = ex.Message;
                    _nextAttempt = now + _backoff;
                    _log.Error(Component, $"cannot send mail via {_s.Smtp.Server}:{_s.Smtp.Port} ({ex.Message}); {SafeCount(_out, "*.eml")} message(s) stay queued, next attempt in {_backoff.TotalSeconds:0} s.");
                    _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _s.RetryMax.Ticks));
                }
            }
        }
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { ProcessOnce(); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { _log.Error(Component, "mail loop: " + ex.Message); }
            _wake.WaitOne(TimeSpan.FromMilliseconds(500));
        }
    }

    private static int SafeCount(string dir, string pattern)
    {
        try { return Directory.EnumerateFiles(dir, pattern).Count(); } catch (IOException) { return 0; }
    }

    private static void TryDelete(string f) { try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    private static void TryMove(string a, string b) { try { File.Move(a, b, overwrite: true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

    public void Dispose()
    {
        _stop.Cancel();
        _wake.Set();
        _thread?.Join(TimeSpan.FromSeconds(30));
        _stop.Dispose();
        _wake.Dispose();
    }
}
