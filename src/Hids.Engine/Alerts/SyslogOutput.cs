using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.Engine.Alerts;

/// <summary>
/// &lt;syslog_output&gt;: forwards alerts to an existing collector as RFC 5424 messages, over UDP (one datagram per
/// alert) or TCP (octet-counting framing, RFC 6587 §3.4.1). Sending happens on a background thread from a bounded
/// queue, so a slow or absent collector never stalls analysis; the alert store keeps every alert regardless.
/// </summary>
public sealed class SyslogOutput : IAlertSink, IDisposable
{
    private const string Component = "hids-csyslogd";
    /// <summary>RFC 5424 facility used: local0 (16).</summary>
    public const int Facility = 16;
    /// <summary>Largest message sent (bytes); longer ones are cut at a character boundary (rsyslog's default limit is 8 KiB).</summary>
    public int MaxMessageBytes { get; set; } = 8000;

    private readonly SyslogOutputOptions _o;
    private readonly IHidsLog _log;
    private readonly string _hostName;
    private readonly BlockingCollection<byte[]> _queue = new(new ConcurrentQueue<byte[]>(), 10000);
    private readonly Thread _thread;
    private Socket? _socket;
    private long _sent, _errors, _dropped;
    private string? _lastError;
    private DateTimeOffset _nextConnect = DateTimeOffset.MinValue;
    private readonly ManualResetEventSlim _idle = new(true);

    public SyslogOutput(SyslogOutputOptions options, IHidsLog? log = null, string? hostName = null)
    {
        _o = options;
        _log = log ?? NullLog.Instance;
        _hostName = string.IsNullOrWhiteSpace(hostName) ? Environment.MachineName : hostName!;
        _thread = new Thread(Loop) { IsBackground = true, Name = "hids-syslog" };
        _thread.Start();
    }

    public string Name => $"syslog {_o.Protocol}://{_o.Server}:{_o.Port}";
    public long Sent => Interlocked.Read(ref _sent);
    public long Errors => Interlocked.Read(ref _errors);
    public long Dropped => Interlocked.Read(ref _dropped);
    public string? LastError => _lastError;
    private bool Tcp => string.Equals(_o.Protocol, "tcp", StringComparison.OrdinalIgnoreCase);

    /// <summary>Does this output want the alert (level, group, rule ids, location)?</summary>
    public bool Accepts(Alert a)
    {
        if (_o.Level is int l && a.Level < l) return false;
        if (_o.Group.Count > 0 && !a.Groups.Any(g => _o.Group.Any(x => string.Equals(g.Trim(), x.Trim().TrimEnd(','), StringComparison.OrdinalIgnoreCase)))) return false;
        if (_o.RuleIds.Count > 0 && !_o.RuleIds.Contains(a.RuleId)) return false;
        if (!string.IsNullOrEmpty(_o.Location) && !a.Location.Contains(_o.Location, StringComparison.OrdinalIgnoreCase)) return false;
        return true;
    }

    public void Write(Alert alert)
    {
        if (!Accepts(alert)) return;
        var msg = Format(alert);
        _idle.Reset();
        if (!_queue.TryAdd(msg))
        {
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _errors);
            _lastError = "queue full (collector too slow or unreachable)";
            if (_queue.Count == 0) _idle.Set();
        }
    }

    /// <summary>Waits (up to 10 s) until the queue is sent.</summary>
    public void Flush()
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (_queue.Count > 0 && DateTime.UtcNow < until) Thread.Sleep(10);
        _idle.Wait(TimeSpan.FromSeconds(Math.Max(0, (until - DateTime.UtcNow).TotalSeconds)));
    }

    /// <summary>RFC 5424 severity from the alert level.</summary>
    public static int Severity(int level) => level switch
    {
        >= 13 => 1, // alert
        >= 11 => 2, // critical
        >= 9 => 3,  // error
        >= 7 => 4,  // warning
        >= 4 => 5,  // notice
        _ => 6,     // informational
    };

    /// <summary>The RFC 5424 message (without transport framing).</summary>
    public byte[] Format(Alert a)
    {
        var pri = Facility * 8 + Severity(a.Level);
        var ts = a.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
        var host = HeaderToken(string.IsNullOrEmpty(a.Host) ? _hostName : a.Host, 255);
        var sb = new StringBuilder(512);
        sb.Append('<').Append(pri.ToString(CultureInfo.InvariantCulture)).Append(">1 ").Append(ts).Append(' ')
          .Append(host).Append(" hids - alert ");
        // Structured data: [hids@32473 ...] (32473 is the example enterprise number of RFC 5612).
        sb.Append("[hids@32473 id=\"").Append(SdEscape(a.AlertId)).Append("\" rule=\"").Append(a.RuleId.ToString(CultureInfo.InvariantCulture))
          .Append("\" level=\"").Append(a.Level.ToString(CultureInfo.InvariantCulture)).Append("\" location=\"").Append(SdEscape(a.Location)).Append('"');
        if (!string.IsNullOrEmpty(a.SrcIp)) sb.Append(" srcip=\"").Append(SdEscape(a.SrcIp)).Append('"');
        var user = a.User ?? a.DstUser;
        if (!string.IsNullOrEmpty(user)) sb.Append(" user=\"").Append(SdEscape(user)).Append('"');
        sb.Append("] ");
        string body;
        if (string.Equals(_o.Format, "json", StringComparison.OrdinalIgnoreCase)) body = AlertJson.Serialize(a);
        else
        {
            // OSSEC's default syslog body: "Alert Level: 7; Rule: 550 - desc; Location: host->loc; srcip: ..; user: ..; full log"
            var b = new StringBuilder();
            b.Append("Alert Level: ").Append(a.Level).Append("; Rule: ").Append(a.RuleId).Append(" - ").Append(a.Description)
             .Append("; Location: ").Append(AlertText.ReceivedFrom(a));
            if (!string.IsNullOrEmpty(a.SrcIp)) b.Append("; srcip: ").Append(a.SrcIp);
            if (!string.IsNullOrEmpty(user)) b.Append("; user: ").Append(user);
            b.Append("; ").Append(a.FullLog);
            body = OneLine(b.ToString());
        }
        var head = Encoding.UTF8.GetBytes(sb.ToString());
        // BOM marks the MSG as UTF-8 (RFC 5424 §6.4).
        var bom = new byte[] { 0xEF, 0xBB, 0xBF };
        var msg = Encoding.UTF8.GetBytes(body);
        int room = Math.Max(0, MaxMessageBytes - head.Length - bom.Length);
        if (msg.Length > room)
        {
            int cut = room;
            while (cut > 0 && (msg[cut] & 0xC0) == 0x80) cut--; // do not split a UTF-8 sequence
            msg = msg.AsSpan(0, cut).ToArray();
        }
        var all = new byte[head.Length + bom.Length + msg.Length];
        head.CopyTo(all, 0); bom.CopyTo(all, head.Length); msg.CopyTo(all, head.Length + bom.Length);
        return all;
    }

    private static string OneLine(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (ch == '\n') sb.Append(' ');
            else if (ch == '\r' || (char.IsControl(ch) && ch != '\t')) continue;
            else sb.Append(ch);
        }
        return sb.ToString();
    }

    private static string HeaderToken(string s, int max)
    {
        var sb = new StringBuilder();
        foreach (var ch in s) { if (sb.Length >= max) break; if (ch > 32 && ch < 127) sb.Append(ch); }
        return sb.Length == 0 ? "-" : sb.ToString();
    }

    private static string SdEscape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (ch is '"' or '\\' or ']') sb.Append('\\');
            if (ch == '\n' || ch == '\r') { sb.Append(' '); continue; }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    private void Loop()
    {
        foreach (var msg in _queue.GetConsumingEnumerable())
        {
            try { Send(msg); Interlocked.Increment(ref _sent); }
            catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                Interlocked.Increment(ref _errors);
                if (_lastError != ex.Message) _log.Warn(Component, $"{Name}: {ex.Message}");
                _lastError = ex.Message;
                _socket?.Dispose(); _socket = null;
                if (Tcp) _nextConnect = DateTimeOffset.UtcNow.AddSeconds(2);
            }
            if (_queue.Count == 0) _idle.Set();
        }
    }

    private void Send(byte[] msg)
    {
        if (_socket is null)
        {
            if (DateTimeOffset.UtcNow < _nextConnect) throw new IOException("collector unreachable (waiting before reconnecting)");
            var addr = ResolveServer();
            _socket = new Socket(addr.AddressFamily, Tcp ? SocketType.Stream : SocketType.Dgram, Tcp ? ProtocolType.Tcp : ProtocolType.Udp);
            if (Tcp) { _socket.NoDelay = true; _socket.SendTimeout = 10000; }
            _socket.Connect(new IPEndPoint(addr, _o.Port));
        }
        if (Tcp)
        {
            var prefix = Encoding.ASCII.GetBytes(msg.Length.ToString(CultureInfo.InvariantCulture) + " ");
            var frame = new byte[prefix.Length + msg.Length];
            prefix.CopyTo(frame, 0); msg.CopyTo(frame, prefix.Length);
            int off = 0;
            while (off < frame.Length) off += _socket.Send(frame, off, frame.Length - off, SocketFlags.None);
        }
        else _socket.Send(msg);
    }

    private IPAddress ResolveServer()
    {
        if (IPAddress.TryParse(_o.Server, out var ip)) return ip;
        var list = Dns.GetHostAddresses(_o.Server);
        return list.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? list.First();
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _socket?.Dispose();
        _queue.Dispose();
        _idle.Dispose();
    }
}
