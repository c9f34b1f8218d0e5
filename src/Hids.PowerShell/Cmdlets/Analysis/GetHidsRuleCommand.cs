using System.Management.Automation;
using Hids.Engine.Analysis;

namespace Hids.PowerShell.Cmdlets.Analysis;

/// <summary>
/// <para type="synopsis">Lists the loaded rules (of the instance, or of -Ruleset) with their place in the rule tree.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "HidsRule")]
[OutputType(typeof(RuleInfo))]
public sealed class GetHidsRuleCommand : AnalysisCmdletBase
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RuleId")]
    public int[]? Id { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string? Group { get; set; }

    /// <summary>Minimum level.</summary>
    [Parameter]
    [ValidateRange(0, 16)]
    public int? Level { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string? File { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Ruleset { get; set; }

    private Ruleset? _set;

    protected override void BeginProcessing() => _set = LoadRuleset(Ruleset);

    protected override void ProcessRecord()
    {
        if (_set == null) return;
        var group = Group == null ? null : new WildcardPattern(Group, WildcardOptions.IgnoreCase);
        var file = File == null ? null : new WildcardPattern(File, WildcardOptions.IgnoreCase);
        IEnumerable<RuleDefinition> rules = _set.Rules.OrderBy(r => r.Id);
        if (Id is { Length: > 0 })
        {
            foreach (var id in Id)
                if (_set.GetRule(id) == null)
                    WriteHidsError($"Rule {id} is not defined.", "RuleNotFound", ErrorCategory.ObjectNotFound, id);
            var ids = new HashSet<int>(Id);
            rules = rules.Where(r => ids.Contains(r.Id));
        }
        if (group != null) rules = rules.Where(r => r.Groups.Any(g => group.IsMatch(g)));
        if (Level != null) rules = rules.Where(r => r.Level >= Level);
        if (file != null) rules = rules.Where(r => file.IsMatch(System.IO.Path.GetFileName(r.File)) || file.IsMatch(r.File));
        foreach (var r in rules) WriteObject(RuleInfo.From(r));
    }
}
