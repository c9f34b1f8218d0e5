using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.PowerShell.Common;

/// <summary>Base of the configuration cmdlets: load the instance's ossec.conf, edit it through
/// <see cref="ConfigurationEditor"/> (comment-preserving, idempotent, validated, atomic), ShouldProcess on the file.</summary>
public abstract class HidsConfigurationCmdlet : HidsInstanceCmdlet
{
    protected enum EditOutcome { Failed, WhatIf, Unchanged, Written }

    /// <summary>Loads the instance's configuration; writes InvalidConfiguration and returns null when it has errors.</summary>
    protected HidsConfiguration? LoadConfiguration(bool failOnErrors = true)
    {
        if (!RequireInstance()) return null;
        var r = ConfigurationLoader.Load(Paths.OssecConf);
        if (r.HasErrors && failOnErrors)
        {
            foreach (var d in r.Errors) WriteDiagnosticError(d, "InvalidConfiguration");
            return null;
        }
        return r.Configuration;
    }

    protected void WriteDiagnosticError(HidsDiagnostic d, string errorId)
    {
        var record = new ErrorRecord(new InvalidOperationException(d.ToString()), errorId, ErrorCategory.InvalidData, d);
        if (!string.IsNullOrEmpty(d.Hint)) record.ErrorDetails = new ErrorDetails(d.ToString()) { RecommendedAction = d.Hint };
        WriteError(record);
    }

    protected bool IsWhatIf => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter s && s.IsPresent;

    /// <summary>Applies <paramref name="edit"/> to etc/ossec.conf and writes the result if it changed, validated and confirmed.</summary>
    protected EditOutcome Edit(Action<ConfigurationEditor> edit)
    {
        if (!RequireInstance()) return EditOutcome.Failed;
        var file = Paths.OssecConf;
        ConfigurationEditor ed;
        try
        {
            ed = ConfigurationEditor.Open(file);
            edit(ed);
        }
        catch (ConfigurationEditException ex)
        {
            ReportEditError(ex, file);
            return EditOutcome.Failed;
        }
        if (!ed.IsChanged)
        {
            WriteVerbose($"{file}: already configured, nothing to change.");
            return IsWhatIf ? EditOutcome.WhatIf : EditOutcome.Unchanged;
        }
        var v = ed.Validate();
        if (v.HasErrors)
        {
            var errs = v.Errors.ToList();
            var msg = $"The change was not written to {file}: the result would not validate: " + string.Join(" ", errs.Select(e => e.Message));
            var record = new ErrorRecord(new InvalidOperationException(msg), "ConfigurationWouldNotValidate", ErrorCategory.InvalidArgument, file)
            {
                ErrorDetails = new ErrorDetails(msg) { RecommendedAction = errs.FirstOrDefault(e => e.Hint is not null)?.Hint ?? "Fix the value and try again." },
            };
            WriteError(record);
            return EditOutcome.Failed;
        }
        if (!ShouldProcess(file, string.Join("; ", ed.Changes))) return EditOutcome.WhatIf;
        try
        {
            ed.Save();
            foreach (var c in ed.Changes) WriteVerbose($"{file}: {c}");
            return EditOutcome.Written;
        }
        catch (ConfigurationEditException ex) { ReportEditError(ex, file); return EditOutcome.Failed; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteHidsError(new IOException($"Cannot write {file}: {ex.Message}", ex), "ConfigurationWriteFailed",
                ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, file);
            return EditOutcome.Failed;
        }
    }

    private void ReportEditError(ConfigurationEditException ex, string file)
    {
        var category = ex.ErrorId switch
        {
            "InstanceNotFound" => ErrorCategory.ObjectNotFound,
            "InvalidValue" => ErrorCategory.InvalidArgument,
            "ConfigurationChanged" => ErrorCategory.ResourceBusy,
            "ConfigurationWouldNotValidate" => ErrorCategory.InvalidArgument,
            _ => ErrorCategory.InvalidData,
        };
        var record = new ErrorRecord(ex, ex.ErrorId, category, file);
        var hint = ex.Diagnostics.FirstOrDefault(d => d.Hint is not null)?.Hint;
        if (hint is not null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = hint };
        WriteError(record);
    }

    /// <summary>Validates and normalises a path given for ossec.conf: absolute (relative ones resolved against $PWD), no trailing slash.</summary>
    protected string ConfigPath(string path)
    {
        var p = path.StartsWith('/') ? path : ResolvePath(path);
        return p.Length > 1 ? p.TrimEnd('/') : p;
    }
}

/// <summary>Reads the instance named on the command line (or the default one) for argument completers.</summary>
internal static class CompletionConfig
{
    public static HidsConfiguration? Load(IDictionary fakeBoundParameters)
    {
        try
        {
            var inst = fakeBoundParameters.Contains("Instance") ? fakeBoundParameters["Instance"]?.ToString() : null;
            var paths = InstancePaths.Resolve(inst);
            return File.Exists(paths.OssecConf) ? ConfigurationLoader.Load(paths.OssecConf).Configuration : null;
        }
        catch (Exception) { return null; }
    }

    public static IEnumerable<CompletionResult> Complete(IEnumerable<string> values, string word)
        => values.Distinct().Where(v => v.StartsWith(word.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v.Any(c => char.IsWhiteSpace(c) || c is '|' or '\'' or ';' or '$') ? "'" + v.Replace("'", "''") + "'" : v, v, CompletionResultType.ParameterValue, v));
}

/// <summary>Completes the &lt;command&gt; names of the instance (and the built-in ones).</summary>
public sealed class CommandNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var cfg = CompletionConfig.Load(fakeBoundParameters);
        var names = (cfg?.Commands.Select(c => c.Name) ?? Enumerable.Empty<string>()).Concat(cfg?.ActiveResponses.Select(a => a.Command) ?? Enumerable.Empty<string>())
            .Concat(new[] { "host-deny", "firewall-drop" });
        return CompletionConfig.Complete(names, wordToComplete);
    }
}

/// <summary>Completes the directories the instance monitors.</summary>
public sealed class ConfiguredDirectoryCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        => CompletionConfig.Complete(CompletionConfig.Load(fakeBoundParameters)?.Syscheck.Directories.Select(d => d.Path) ?? Enumerable.Empty<string>(), wordToComplete);
}

/// <summary>Completes the ignore entries of the instance.</summary>
public sealed class ConfiguredIgnoreCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        => CompletionConfig.Complete(CompletionConfig.Load(fakeBoundParameters)?.Syscheck.Ignore.Select(d => d.Value) ?? Enumerable.Empty<string>(), wordToComplete);
}

/// <summary>Completes monitored log files (-Path) or commands (-Command).</summary>
public sealed class ConfiguredLogFileCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var files = CompletionConfig.Load(fakeBoundParameters)?.LocalFiles ?? new List<LocalFileOptions>();
        var values = parameterName == "Command" ? files.Select(f => f.Command).OfType<string>() : files.Select(f => f.Location).OfType<string>();
        return CompletionConfig.Complete(values, wordToComplete);
    }
}
