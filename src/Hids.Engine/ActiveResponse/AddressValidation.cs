using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// The single gate every address passes before it is used for anything (a firewall script, a hosts.deny line, a
/// command argument). A decoded srcip comes from an attacker-controlled log line: it is checked for length and a
/// strict character set first, then parsed, then re-rendered from the parsed value. Only the canonical text of the
/// parsed address is ever used afterwards.
/// </summary>
public static class AddressValidation
{
    /// <summary>Longest textual IP address accepted (an IPv6 address with an embedded IPv4 tail is 45 characters).</summary>
    public const int MaxLength = 45;

    private static readonly Regex Ipv4Shape = new(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// Parses <paramref name="raw"/> as one IPv4 or IPv6 address. Returns false (with a reason fit for a log line)
    /// for anything else: empty, too long, characters outside [0-9A-Fa-f:.], IPv4 shorthand ("10.1"), zone ids,
    /// the unspecified address, multicast and broadcast addresses. IPv4-mapped IPv6 addresses become IPv4.
    /// </summary>
    public static bool TryParse(string? raw, out IPAddress address, out string error)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(raw)) { error = "empty address"; return false; }
        if (raw.Length > MaxLength) { error = $"address too long ({raw.Length} characters, at most {MaxLength})"; return false; }
        foreach (var c in raw)
        {
            bool ok = c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F' or ':' or '.';
            if (!ok) { error = $"character '{Printable(c)}' is not allowed in an address"; return false; }
        }
        bool v6 = raw.Contains(':');
        if (!v6 && !Ipv4Shape.IsMatch(raw)) { error = "not a dotted-quad IPv4 address"; return false; }
        if (!IPAddress.TryParse(raw, out var parsed)) { error = "not an IP address"; return false; }
        if (v6 && parsed.AddressFamily != AddressFamily.InterNetworkV6) { error = "not an IP address"; return false; }
        if (parsed.IsIPv4MappedToIPv6) parsed = parsed.MapToIPv4();
        if (parsed.Equals(IPAddress.Any) || parsed.Equals(IPAddress.IPv6Any)) { error = "the unspecified address cannot be blocked"; return false; }
        if (parsed.Equals(IPAddress.Broadcast)) { error = "the broadcast address cannot be blocked"; return false; }
        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && parsed.IsIPv6Multicast
            || parsed.AddressFamily == AddressFamily.InterNetwork && (parsed.GetAddressBytes()[0] & 0xF0) == 0xE0)
        { error = "a multicast address cannot be blocked"; return false; }
        address = parsed;
        error = "";
        return true;
    }

    /// <summary>The canonical text of a validated address (the only form written anywhere).</summary>
    public static string Canonical(IPAddress address) => address.ToString();

    /// <summary>A user name for commands that expect one: letters, digits, '.', '_', '-', at most 32, not starting with '-'.</summary>
    public static bool TryValidateUser(string? raw, out string user, out string error)
    {
        user = "";
        if (string.IsNullOrEmpty(raw)) { error = "empty user name"; return false; }
        if (raw.Length > 32) { error = "user name too long"; return false; }
        if (raw[0] == '-' || !raw.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        { error = "user name contains characters that are not allowed"; return false; }
        user = raw; error = ""; return true;
    }

    /// <summary>A hostile value made safe for a log line (control characters escaped, length capped).</summary>
    public static string ForLog(string? raw)
    {
        if (raw is null) return "(null)";
        var s = raw.Length > 80 ? raw[..80] + "..." : raw;
        var sb = new System.Text.StringBuilder(s.Length + 2);
        foreach (var c in s) sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        return "'" + sb + "'" + (raw.Length > 80 ? $" ({raw.Length} characters)" : "");
    }

    private static string Printable(char c) => char.IsControl(c) || c == ' ' ? $"\\x{(int)c:x2}" : c.ToString();
}

/// <summary>An address range: a single address or CIDR (IPv4 or IPv6).</summary>
public sealed class AddressRange
{
    private readonly byte[] _network;
    public AddressRange(IPAddress network, int prefixLength)
    {
        if (network.IsIPv4MappedToIPv6) network = network.MapToIPv4();
        int max = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        PrefixLength = prefixLength;
        _network = Mask(network.GetAddressBytes(), prefixLength);
        Network = new IPAddress(_network);
    }

    public IPAddress Network { get; }
    public int PrefixLength { get; }
    public AddressFamily Family => Network.AddressFamily;

    /// <summary>Parses "10.0.0.1", "10.0.0.0/8", "2001:db8::/32", "::1". Whitespace around is ignored.</summary>
    public static bool TryParse(string? text, out AddressRange range, out string error)
    {
        range = null!;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) { error = "empty entry"; return false; }
        var slash = text.IndexOf('/');
        var addrText = slash < 0 ? text : text[..slash];
        if (addrText.Length > AddressValidation.MaxLength || !IPAddress.TryParse(addrText, out var addr)
            || addrText.Any(c => !(char.IsAsciiHexDigit(c) || c is ':' or '.')))
        { error = $"'{text}' is not an IP address or CIDR range"; return false; }
        if (!addrText.Contains(':') && addrText.Count(c => c == '.') != 3)
        { error = $"'{text}' is not a dotted-quad IPv4 address"; return false; }
        if (addr.IsIPv4MappedToIPv6) addr = addr.MapToIPv4();
        int max = addr.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out prefix) || prefix > max))
        { error = $"'{text}' has an invalid prefix length (0-{max})"; return false; }
        range = new AddressRange(addr, prefix);
        error = "";
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != Family) return false;
        var b = address.GetAddressBytes();
        var m = Mask(b, PrefixLength);
        return m.AsSpan().SequenceEqual(_network);
    }

    private static byte[] Mask(byte[] bytes, int prefix)
    {
        var r = (byte[])bytes.Clone();
        for (int i = 0; i < r.Length; i++)
        {
            int bits = Math.Clamp(prefix - i * 8, 0, 8);
            r[i] &= (byte)(0xFF << (8 - bits));
        }
        return r;
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
