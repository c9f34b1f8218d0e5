using System.Management.Automation;
using Hids.Engine.Analysis;
using Hids.Engine.Core;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Analysis;

/// <summary>Shared by the rule cmdlets: loads the ruleset of -Ruleset (a folder) or of the instance.</summary>
public abstract class AnalysisCmdletBase : HidsInstanceCmdlet
{
    /// <summary>Loads the ruleset; writes load diagnostics as warnings (errors as non-terminating errors). Null when nothing loaded.</summary>
    protected Ruleset? LoadRuleset(string? folder)
    {
        RulesetLoadResult res;
        if (!string.IsNullOrEmpty(folder))
        {
            var full = ResolvePath(folder);
            if (!Directory.Exists(full))
            {
                WriteHidsError($"Ruleset folder '{full}' does not exist.", "RulesetNotFound", ErrorCategory.ObjectNotFound, full,
                    "Pass a folder holding decoder.xml (and ossec.conf or rules/).");
                return null;
            }
            res = RulesetLoader.LoadFolder(full);
        }
        else
        {
            if (!RequireInstance()) return null;
            res = RulesetLoader.LoadInstance(Paths);
        }
        foreach (var d in res.Diagnostics)
        {
            if (d.Severity == DiagnosticSeverity.Error)
                WriteHidsError(d.ToString(), "RulesetLoadError", ErrorCategory.InvalidData, d.File, d.Hint);
            else WriteWarning(d.ToString());
        }
        return res.Ruleset;
    }
}
