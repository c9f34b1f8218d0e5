using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Hids.Engine.Core;

namespace Hids.PowerShell.Common;

/// <summary>Completes -Instance with $env:HIDS_HOME, the default root, and folders holding etc/ossec.conf.</summary>
public sealed class InstanceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var seen = new HashSet<string>();
        var candidates = new List<string>();
        var env = Environment.GetEnvironmentVariable(InstancePaths.HomeVariable);
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        candidates.Add(InstancePaths.DefaultRoot);
        try
        {
            var dir = string.IsNullOrEmpty(wordToComplete) ? "." : Path.GetDirectoryName(wordToComplete);
            if (!string.IsNullOrEmpty(dir) && Directory.Exists(dir))
                foreach (var d in Directory.EnumerateDirectories(dir).Take(200))
                    if (File.Exists(Path.Combine(d, "etc", "ossec.conf"))) candidates.Add(d);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        foreach (var c in candidates)
        {
            if (!seen.Add(c)) continue;
            if (c.StartsWith(wordToComplete, StringComparison.Ordinal))
                yield return new CompletionResult(c.Contains(' ') ? $"'{c}'" : c, c, CompletionResultType.ParameterValue, c);
        }
    }
}
