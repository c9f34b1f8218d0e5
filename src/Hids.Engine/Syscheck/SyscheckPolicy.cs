using Hids.Engine.Configuration;

namespace Hids.Engine.Syscheck;

/// <summary>
/// A small implementation of OSSEC's os_match ("sregex") syntax, enough for &lt;ignore type="sregex"&gt;,
/// &lt;nodiff type="sregex"&gt; and restrict: alternatives separated by '|', '^' anchors at the start, '$' at the end,
/// otherwise a substring; case-insensitive; a leading '!' negates the whole expression.
/// </summary>
public sealed class SimpleOsMatch
{
    private readonly (string Text, bool Start, bool End)[] _alts;
    private readonly bool _negate;
    public string Pattern { get; }

    public SimpleOsMatch(string pattern)
    {
        Pattern = pattern;
        var p = pattern;
        if (p.StartsWith('!')) { _negate = true; p = p[1..]; }
        _alts = p.Split('|').Select(a =>
        {
            bool s = a.StartsWith('^'), e = a.EndsWith('$') && a.Length > (s ? 1 : 0);
            var t = a[(s ? 1 : 0)..(e ? a.Length - 1 : a.Length)];
            return (t, s, e);
        }).ToArray();
    }

    public bool IsMatch(string input)
    {
        bool m = false;
        foreach (var (t, s, e) in _alts)
        {
            if (s && e) m = input.Equals(t, StringComparison.OrdinalIgnoreCase);
            else if (s) m = input.StartsWith(t, StringComparison.OrdinalIgnoreCase);
            else if (e) m = input.EndsWith(t, StringComparison.OrdinalIgnoreCase);
            else m = input.Contains(t, StringComparison.OrdinalIgnoreCase);
            if (m) break;
        }
        return m != _negate;
    }
}

/// <summary>Which attributes are compared for a file (from the &lt;directories&gt; check_* attributes).</summary>
[Flags]
public enum CheckFlags
{
    None = 0, Md5 = 1, Sha1 = 2, Sha256 = 4, Size = 8, Owner = 16, Group = 32, Perm = 64, Mtime = 128, Inode = 256,
    All = Md5 | Sha1 | Sha256 | Size | Owner | Group | Perm | Mtime | Inode,
    Hashes = Md5 | Sha1 | Sha256,
}

/// <summary>One configured directory, compiled.</summary>
public sealed class WatchRoot
{
    public required string Path { get; init; }
    public required DirectoryOptions Options { get; init; }
    public CheckFlags Checks { get; init; }
    public SimpleOsMatch? Restrict { get; init; }
    public int MaxDepth { get; init; } = int.MaxValue;
    public bool Realtime => Options.Realtime;
    public bool ReportChanges => Options.ReportChanges;

    public static CheckFlags ChecksOf(DirectoryOptions o)
    {
        var c = CheckFlags.None;
        if (o.EffMd5) c |= CheckFlags.Md5;
        if (o.EffSha1) c |= CheckFlags.Sha1;
        if (o.EffSha256) c |= CheckFlags.Sha256;
        if (o.EffSize) c |= CheckFlags.Size;
        if (o.EffOwner) c |= CheckFlags.Owner;
        if (o.EffGroup) c |= CheckFlags.Group;
        if (o.EffPerm) c |= CheckFlags.Perm;
        if (o.EffMtime) c |= CheckFlags.Mtime;
        if (o.EffInode) c |= CheckFlags.Inode;
        // A <directories> element with no check_* attribute checks everything (OSSEC refuses it; Wazuh defaults to all).
        return c == CheckFlags.None ? CheckFlags.All : c;
    }
}

/// <summary>
/// The compiled syscheck configuration: roots (most specific first), ignore and nodiff lists. Thread-safe to read.
/// </summary>
public sealed class SyscheckPolicy
{
    /// <summary>Files whose contents are never stored, diffed, logged or mailed, whatever the configuration says.</summary>
    public static readonly string[] DefaultNoDiff =
    {
        "^/etc/shadow$|^/etc/shadow-$|^/etc/gshadow$|^/etc/gshadow-$|^/etc/ssl/private/|/.ssh/id_rsa$|/.ssh/id_dsa$|/.ssh/id_ecdsa$|/.ssh/id_ed25519$|.key$|_key$|.p12$|.pfx$",
    };

    private readonly string[] _ignorePrefixes;
    private readonly SimpleOsMatch[] _ignoreRegex;
    private readonly string[] _noDiffExact;
    private readonly SimpleOsMatch[] _noDiffRegex;

    public IReadOnlyList<WatchRoot> Roots { get; }
    public SyscheckOptions Options { get; }

    public SyscheckPolicy(SyscheckOptions options, IEnumerable<string>? extraIgnorePrefixes = null)
    {
        Options = options;
        var roots = new List<WatchRoot>();
        foreach (var d in options.Directories)
        {
            if (string.IsNullOrWhiteSpace(d.Path)) continue;
            var path = Normalize(d.Path);
            roots.RemoveAll(r => r.Path == path); // the last definition of a path wins, as in OSSEC
            roots.Add(new WatchRoot
            {
                Path = path, Options = d, Checks = WatchRoot.ChecksOf(d),
                Restrict = string.IsNullOrEmpty(d.Restrict) ? null : new SimpleOsMatch(d.Restrict),
                MaxDepth = d.NoRecurse ? 0 : d.RecursionLevel ?? int.MaxValue,
            });
        }
        Roots = roots.OrderByDescending(r => r.Path.Length).ToList();
        _ignorePrefixes = options.Ignore.Where(i => i.Type is null or "" && !string.IsNullOrEmpty(i.Value)).Select(i => i.Value)
            .Concat(extraIgnorePrefixes ?? Array.Empty<string>()).ToArray();
        _ignoreRegex = options.Ignore.Where(i => i.Type == "sregex" && !string.IsNullOrEmpty(i.Value)).Select(i => new SimpleOsMatch(i.Value)).ToArray();
        _noDiffExact = options.NoDiff.Where(i => i.Type is null or "").Select(i => i.Value).ToArray();
        _noDiffRegex = options.NoDiff.Where(i => i.Type == "sregex").Select(i => new SimpleOsMatch(i.Value))
            .Concat(DefaultNoDiff.Select(p => new SimpleOsMatch(p))).ToArray();
    }

    public static string Normalize(string path)
    {
        var p = System.IO.Path.GetFullPath(path.Trim());
        return p.Length > 1 ? p.TrimEnd('/') : p;
    }

    /// <summary>OSSEC &lt;ignore&gt;: a plain entry is a path prefix, type="sregex" an os_match expression.</summary>
    public bool IsIgnored(string path)
    {
        foreach (var p in _ignorePrefixes) if (path.StartsWith(p, StringComparison.Ordinal)) return true;
        foreach (var r in _ignoreRegex) if (r.IsMatch(path)) return true;
        return false;
    }

    /// <summary>&lt;nodiff&gt; (exact path or sregex) plus the built-in secrets list.</summary>
    public bool IsNoDiff(string path)
    {
        foreach (var p in _noDiffExact) if (path == p) return true;
        foreach (var r in _noDiffRegex) if (r.IsMatch(path)) return true;
        return false;
    }

    /// <summary>The most specific configured root containing <paramref name="path"/>, or null.</summary>
    public WatchRoot? RootOf(string path)
    {
        foreach (var r in Roots)
            if (path == r.Path || path.StartsWith(r.Path == "/" ? "/" : r.Path + "/", StringComparison.Ordinal)) return r;
        return null;
    }

    /// <summary>Whether a root is configured exactly at this directory (the walk of a parent root skips it).</summary>
    public bool IsRoot(string path) => Roots.Any(r => r.Path == path);

    /// <summary>Depth of a path below its root (0 for the root's direct children).</summary>
    public static int DepthBelow(WatchRoot root, string path)
    {
        var rel = path.Length > root.Path.Length ? path[(root.Path.Length == 1 ? 1 : root.Path.Length + 1)..] : "";
        return rel.Length == 0 ? -1 : rel.Count(c => c == '/');
    }
}
