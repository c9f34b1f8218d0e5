using Hids.Engine.Analysis.Matching;
using Hids.Engine.Core;

namespace Hids.Engine.Rootcheck;

/// <summary>One entry of rootkit_files.txt: <c>path ! Rootkit name ::reference</c>.</summary>
public sealed class RootkitFileEntry
{
    /// <summary>The path as written (relative to the root, or absolute; '*/name' = that name in every system folder;
    /// a trailing '/' means a folder).</summary>
    public string Path { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Reference { get; init; }
    public int Line { get; init; }
    public bool AnySystemFolder => Path.StartsWith("*/", StringComparison.Ordinal);
}

/// <summary>One entry of rootkit_trojans.txt: <c>binary !signature!</c> (a regular expression tried on every
/// printable string found in the binary, as OSSEC does).</summary>
public sealed class TrojanSignature : IDisposable
{
    public string Binary { get; init; } = "";
    public string Signature { get; init; } = "";
    /// <summary>Free text after the closing '!' (e.g. a comment or the rootkit family).</summary>
    public string? Comment { get; init; }
    public int Line { get; init; }
    internal Pcre2Regex? Regex { get; init; }
    public void Dispose() => Regex?.Dispose();
}

/// <summary>Parsers of OSSEC's rootcheck databases. Bad lines become diagnostics (file:line) and are skipped.</summary>
public static class RootkitDatabases
{
    public static List<RootkitFileEntry> ParseFiles(string text, string file, List<HidsDiagnostic> diagnostics)
    {
        var list = new List<RootkitFileEntry>();
        int lineNo = 0;
        foreach (var raw in SplitLines(text))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int bang = line.IndexOf('!');
            if (bang < 0)
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7001", "rootkit_files line has no '!' between the path and the rootkit name",
                    "Write: path ! Rootkit name ::reference"));
                continue;
            }
            string path = line[..bang].Trim();
            string rest = line[(bang + 1)..].Trim();
            string? reference = null;
            int colons = rest.IndexOf("::", StringComparison.Ordinal);
            if (colons >= 0)
            {
                reference = rest[(colons + 2)..].Trim();
                if (reference.Length == 0) reference = null;
                rest = rest[..colons].Trim();
            }
            if (path.Length == 0 || rest.Length == 0)
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7002", "rootkit_files line needs both a path and a rootkit name",
                    "Write: path ! Rootkit name ::reference"));
                continue;
            }
            if (path.Split('/').Contains("..") || (path.StartsWith('*') && !path.StartsWith("*/", StringComparison.Ordinal)))
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7003", $"rootkit_files path '{path}' is not usable ('..' or a '*' that is not '*/name')",
                    "Use a path from the root (etc/x or /etc/x) or */name for 'name in every system folder'."));
                continue;
            }
            list.Add(new RootkitFileEntry { Path = path, Name = rest, Reference = reference, Line = lineNo });
        }
        return list;
    }

    public static List<TrojanSignature> ParseTrojans(string text, string file, List<HidsDiagnostic> diagnostics)
    {
        var list = new List<TrojanSignature>();
        int lineNo = 0;
        foreach (var raw in SplitLines(text))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int first = line.IndexOf('!');
            int last = line.LastIndexOf('!');
            if (first < 0 || last == first)
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7011", "rootkit_trojans line needs a signature between two '!'",
                    "Write: binary !signature regex!"));
                continue;
            }
            string binary = line[..first].Trim();
            string sig = line[(first + 1)..last];
            string comment = line[(last + 1)..].Trim();
            if (binary.Length == 0 || sig.Length == 0 || binary.Contains(' ') || binary.Split('/').Contains(".."))
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7012", "rootkit_trojans line needs a binary name (or path) and a non-empty signature",
                    "Write: binary !signature regex!"));
                continue;
            }
            Pcre2Regex re;
            try { re = Pcre2Regex.Compile(sig); }
            catch (PatternException ex)
            {
                diagnostics.Add(Diag(file, lineNo, "HIDS7013", $"rootkit_trojans signature does not compile: {ex.Message}",
                    "Signatures are regular expressions (POSIX extended / PCRE2 syntax)."));
                continue;
            }
            list.Add(new TrojanSignature { Binary = binary, Signature = sig, Comment = comment.Length > 0 ? comment : null, Line = lineNo, Regex = re });
        }
        return list;
    }

    private static IEnumerable<string> SplitLines(string text) => text.Replace("\r\n", "\n").Split('\n');

    private static HidsDiagnostic Diag(string file, int line, string code, string message, string hint)
        => new() { Severity = DiagnosticSeverity.Warning, Code = code, File = file, Line = line, Column = 1, Message = message, Hint = hint };
}
