using System.Management.Automation;
using Hids.Engine.Analysis;
using Hids.Engine.Core;

namespace Hids.PowerShell.Cmdlets.Analysis;

/// <summary>
/// <para type="synopsis">Overrides a rule's level (and description) with an overwrite="yes" copy in etc/local_rules.xml.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "HidsRule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RuleInfo))]
public sealed class SetHidsRuleCommand : AnalysisCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RuleId")]
    public int Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = false)]
    [ValidateRange(0, 16)]
    public int? Level { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (Level == null && Description == null)
        {
            WriteHidsError("Nothing to change: give -Level and/or -Description.", "NothingToChange", ErrorCategory.InvalidArgument, Id);
            return;
        }
        if (!RequireInstance()) return;
        var before = RulesetLoader.LoadInstance(Paths);
        var rule = before.Ruleset.GetRule(Id);
        if (rule == null)
        {
            WriteHidsError($"Rule {Id} is not defined in the instance's rules.", "RuleNotFound", ErrorCategory.ObjectNotFound, Id,
                "List the rules with Get-HidsRule.");
            return;
        }
        var change = LocalRulesEditor.PlanOverride(Paths.LocalRules, rule, Level, Description);
        if (!change.Changed)
        {
            WriteVerbose($"Rule {Id} already has these values in {Paths.LocalRules}; nothing to do.");
            if (PassThru) WriteObject(RuleInfo.From(rule));
            return;
        }
        // validate: load the instance's rules with the new local_rules.xml (in memory) before writing it
        try
        {
            var check = LocalRulesEditor.Validate(Paths, before.Ruleset, change);
            var newErrors = check.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.File == Paths.LocalRules).ToList();
            if (newErrors.Count > 0)
            {
                foreach (var e in newErrors)
                    WriteHidsError($"The change would make local_rules.xml invalid: {e.Message}", "InvalidLocalRules", ErrorCategory.InvalidData, Paths.LocalRules, e.Hint);
                return;
            }
            var updated = check.Ruleset.GetRule(Id);
            var what = $"rule {Id} in {Paths.LocalRules}";
            var action = (Level != null ? $"Set level {rule.Level} -> {Level}" : "") + (Description != null ? $"{(Level != null ? ", " : "")}set description" : "")
                + (change.UpdatedInPlace ? " (update the existing override)" : " (add an overwrite=\"yes\" copy)");
            if (!ShouldProcess(what, action)) return;
            LocalRulesEditor.Apply(change);
            if (PassThru && updated != null)
            {
                var info = RuleInfo.From(updated);
                info.File = Paths.LocalRules;
                WriteObject(info);
            }
        }
        catch (IOException ex)
        {
            WriteHidsError(ex, "LocalRulesWriteFailed", ErrorCategory.WriteError, Paths.LocalRules);
        }
        catch (UnauthorizedAccessException ex)
        {
            WriteHidsError(ex, "LocalRulesWriteFailed", ErrorCategory.PermissionDenied, Paths.LocalRules);
        }
    }
}
