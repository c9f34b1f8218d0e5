namespace Hids.Engine.Core;

public enum DiagnosticSeverity { Info, Warning, Error }

/// <summary>A typed problem report: configuration and rule load errors, with file:line:column and a hint.</summary>
public sealed class HidsDiagnostic
{
    public DiagnosticSeverity Severity { get; set; }
    /// <summary>Stable code, e.g. HIDS1001; documented in docs/diagnostics.md.</summary>
    public string Code { get; set; } = "";
    public string File { get; set; } = "";
    public int Line { get; set; }
    public int Column { get; set; }
    public string Message { get; set; } = "";
    public string? Hint { get; set; }

    public override string ToString()
    {
        var where = string.IsNullOrEmpty(File) ? "" : Line > 0 ? $"{File}:{Line}:{Column}: " : $"{File}: ";
        var hint = string.IsNullOrEmpty(Hint) ? "" : $" (hint: {Hint})";
        return $"{where}{Severity.ToString().ToLowerInvariant()} {Code}: {Message}{hint}";
    }
}
