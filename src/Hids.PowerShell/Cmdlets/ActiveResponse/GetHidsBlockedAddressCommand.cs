using System.Management.Automation;
using Hids.Engine.ActiveResponse;

namespace Hids.PowerShell.Cmdlets.ActiveResponse;

/// <summary>Lists the addresses active response currently blocks, with the command, times, rule and offence count.</summary>
[Cmdlet(VerbsCommon.Get, "HidsBlockedAddress")]
[OutputType(typeof(BlockedAddress))]
public sealed class GetHidsBlockedAddressCommand : ActiveResponseCmdletBase
{
    /// <summary>Only these addresses (wildcards allowed).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("SrcIp")]
    [SupportsWildcards]
    public string[]? Address { get; set; }

    /// <summary>Only blocks made by this command (firewall-drop, host-deny, a custom command).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ResponseCommandCompleter))]
    public string? Command { get; set; }

    protected override void ProcessRecord()
    {
        if (!RequireInstance()) return;
        if (!File.Exists(Paths.StateStore)) return; // nothing was ever blocked
        using var store = BlockStateStore.Open(Paths);
        var patterns = Address?.Select(a => WildcardPattern.Get(a, WildcardOptions.IgnoreCase)).ToList();
        foreach (var b in store.List())
        {
            if (Command is not null && !string.Equals(b.Command, Command, StringComparison.Ordinal)) continue;
            if (patterns is not null && !patterns.Any(p => p.IsMatch(b.Address))) continue;
            WriteObject(b);
        }
    }
}
