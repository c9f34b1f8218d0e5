namespace Hids.Engine.Analysis;

/// <summary>One case of an OSSEC rule test file: a log line that must (pass) or must not (fail) produce the expected
/// rule, level and decoder.</summary>
public sealed class RuleTestCase
{
    public string File { get; set; } = "";
    public string Section { get; set; } = "";
    public int Line { get; set; }
    /// <summary>The key as written ("log 1 pass").</summary>
    public string Key { get; set; } = "";
    public string Log { get; set; } = "";
    /// <summary>"pass" or "fail".</summary>
    public string Kind { get; set; } = "pass";
    public string? ExpectedRule { get; set; }
    public string? ExpectedLevel { get; set; }
    public string? ExpectedDecoder { get; set; }
}

/// <summary>The outcome of one test case.</summary>
public sealed class RuleTestCaseResult
{
    public string File { get; set; } = "";
    public string Section { get; set; } = "";
    public int Line { get; set; }
    public string Log { get; set; } = "";
    public string Kind { get; set; } = "pass";
    public string? ExpectedRule { get; set; }
    public string? ExpectedLevel { get; set; }
    public string? ExpectedDecoder { get; set; }
    public string? ActualRule { get; set; }
    public string? ActualLevel { get; set; }
    public string? ActualDecoder { get; set; }
    public bool Passed { get; set; }
    public string Reason { get; set; } = "";
}

/// <summary>
/// OSSEC's ruleset test files (contrib/ossec-testing/tests/*.ini) and their runner. Sections are read independently
/// (duplicate section names are not merged), duplicate keys are kept, "%%" means "%", and ';' does not start a
/// comment. Each "log N pass|fail" key is a case run through a fresh engine, as ossec-logtest runs each line alone.
/// </summary>
public static class RuleTestFile
{
    public static IReadOnlyList<RuleTestCase> Parse(string path) => ParseText(File.ReadAllText(path), path);

    public static IReadOnlyList<RuleTestCase> ParseText(string text, string file)
    {
        var cases = new List<RuleTestCase>();
        string? section = null;
        var pending = new List<RuleTestCase>();
        string? rule = null, alert = null, decoder = null;
        void Flush()
        {
            foreach (var c in pending) { c.ExpectedRule = rule; c.ExpectedLevel = alert; c.ExpectedDecoder = decoder; }
            if (section != null) cases.AddRange(pending);
            pending.Clear();
            rule = alert = decoder = null;
        }
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            if (t[0] == '[' && t.EndsWith(']'))
            {
                Flush();
                section = t[1..^1];
                continue;
            }
            int eq = line.IndexOf('=');
            int colon = line.IndexOf(':');
            int d = eq < 0 ? colon : colon < 0 ? eq : Math.Min(eq, colon);
            if (d < 0 || section == null) continue;
            var key = line[..d].Trim().ToLowerInvariant();
            var value = line[(d + 1)..].Trim().Replace("%%", "%");
            switch (key)
            {
                case "rule": rule = value; break;
                case "alert": alert = value; break;
                case "decoder": decoder = value; break;
                default:
                    if (key.StartsWith("log ", StringComparison.Ordinal))
                    {
                        var parts = key.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var kind = parts[^1];
                        if (kind is "pass" or "fail")
                            pending.Add(new RuleTestCase { File = file, Section = section, Line = lineNo, Key = key, Log = value, Kind = kind });
                    }
                    break;
            }
        }
        Flush();
        return cases;
    }

    /// <summary>Runs every case of a file against a ruleset; each case gets a fresh engine (no correlation state).</summary>
    public static IEnumerable<RuleTestCaseResult> Run(Ruleset ruleset, string path, string location = "stdin", string hostname = "ossec-logtest")
    {
        foreach (var c in Parse(path)) yield return RunCase(ruleset, c, location, hostname);
    }

    public static RuleTestCaseResult RunCase(Ruleset ruleset, RuleTestCase c, string location = "stdin", string hostname = "ossec-logtest")
    {
        using var engine = new RuleEngine(ruleset, new RuleEngineOptions { Hostname = hostname });
        var res = engine.Evaluate(new LogEvent { FullLog = c.Log, Location = location, ReceivedAt = DateTimeOffset.Now });
        string? ar = res.Rule?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? al = res.Rule?.Level.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? ad = res.Event.DecoderName;
        bool all = res.Rule != null
            && string.Equals(ar, c.ExpectedRule, StringComparison.OrdinalIgnoreCase)
            && string.Equals(al, c.ExpectedLevel, StringComparison.OrdinalIgnoreCase)
            && ad != null && string.Equals(ad, c.ExpectedDecoder, StringComparison.OrdinalIgnoreCase);
        bool passed = c.Kind == "pass" ? all : !all;
        string reason;
        if (passed) reason = c.Kind == "pass" ? "matched" : "did not match, as expected";
        else if (c.Kind == "fail") reason = $"expected no match of rule {c.ExpectedRule}, but it fired";
        else if (res.Rule == null) reason = ad == null ? "no decoder and no rule matched" : $"decoder '{ad}' but no rule matched";
        else
        {
            var parts = new List<string>();
            if (!string.Equals(ar, c.ExpectedRule, StringComparison.OrdinalIgnoreCase)) parts.Add($"rule {ar} instead of {c.ExpectedRule}");
            if (!string.Equals(al, c.ExpectedLevel, StringComparison.OrdinalIgnoreCase)) parts.Add($"level {al} instead of {c.ExpectedLevel}");
            if (!string.Equals(ad, c.ExpectedDecoder, StringComparison.OrdinalIgnoreCase)) parts.Add($"decoder '{ad}' instead of '{c.ExpectedDecoder}'");
            reason = string.Join(", ", parts);
        }
        return new RuleTestCaseResult
        {
            File = c.File, Section = c.Section, Line = c.Line, Log = c.Log, Kind = c.Kind,
            ExpectedRule = c.ExpectedRule, ExpectedLevel = c.ExpectedLevel, ExpectedDecoder = c.ExpectedDecoder,
            ActualRule = ar, ActualLevel = al, ActualDecoder = ad, Passed = passed, Reason = reason,
        };
    }
}
