using Hids.Engine.Core;

namespace Hids.Engine.Configuration;

/// <summary>The outcome of reading an ossec.conf: the typed model (always present, partially filled when the file has
/// errors) and every problem found, each with file, line, column and a hint.</summary>
public sealed class ConfigurationLoadResult
{
    public ConfigurationLoadResult(HidsConfiguration configuration, IReadOnlyList<HidsDiagnostic> diagnostics)
    {
        Configuration = configuration;
        Diagnostics = diagnostics;
    }

    public HidsConfiguration Configuration { get; }
    public IReadOnlyList<HidsDiagnostic> Diagnostics { get; }
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
    public IEnumerable<HidsDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>The stable diagnostic codes of the configuration area (HIDS1000–1999), documented in docs/configuration.md.</summary>
public static class ConfigCodes
{
    public const string MalformedXml = "HIDS1001";
    public const string FileNotFound = "HIDS1002";
    public const string UnexpectedRoot = "HIDS1003";
    public const string NoConfiguration = "HIDS1004";
    public const string UnknownElement = "HIDS1010";
    public const string UnknownAttribute = "HIDS1011";
    public const string NotModelled = "HIDS1012";
    public const string InvalidNumber = "HIDS1020";
    public const string OutOfRange = "HIDS1021";
    public const string InvalidYesNo = "HIDS1022";
    public const string RelativePath = "HIDS1023";
    public const string InvalidEmail = "HIDS1024";
    public const string InvalidChoice = "HIDS1025";
    public const string MissingElement = "HIDS1026";
    public const string EmptyValue = "HIDS1027";
    public const string InvalidAddress = "HIDS1028";
    public const string InvalidRegex = "HIDS1029";
    public const string ConflictingDirectory = "HIDS1030";
    public const string DuplicateEntry = "HIDS1031";
    public const string UndefinedCommand = "HIDS1032";
    public const string DuplicateCommand = "HIDS1033";
    public const string MissingRulesFile = "HIDS1034";
    public const string InvalidFingerprint = "HIDS1035";
    public const string ReferencedFile = "HIDS1036";
    public const string WriteRefused = "HIDS1050";
}
