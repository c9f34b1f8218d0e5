using System.Management.Automation;
using Hids.Engine.ActiveResponse;

namespace Hids.PowerShell.Cmdlets.ActiveResponse;

/// <summary>Lifts a block now (firewall element, hosts.deny line or custom delete) and removes it from the state.</summary>
[Cmdlet(VerbsSecurity.Unblock, "HidsAddress", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockedAddress))]
public sealed class UnblockHidsAddressCommand : ActiveResponseCmdletBase
{
    /// <summary>The blocked address (from Get-HidsBlockedAddress on the pipeline, or typed).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("SrcIp", "IPAddress")]
    [AllowEmptyString]
    public string Address { get; set; } = "";

    /// <summary>Only the block of this command; by default every block of the address.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResponseCommandCompleter))]
    public string? Command { get; set; }

    /// <summary>Also remove the address from firewall-drop and host-deny when no block is recorded (state lost or made by hand).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the removed blocks to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string key;
        if (Address.StartsWith("user:", StringComparison.Ordinal) && AddressValidation.TryValidateUser(Address[5..], out _, out _)) key = Address;
        else if (AddressValidation.TryParse(Address, out var ip, out var why)) key = AddressValidation.Canonical(ip);
        else
        {
            WriteHidsError($"'{AddressValidation.ForLog(Address).Trim('\'')}' is not an address: {why}.", "InvalidAddress", ErrorCategory.InvalidArgument, Address);
            return;
        }
        var service = OpenService();
        if (service is null) return;
        var blocks = service.Store.List().Where(b => b.Address == key && (Command is null || b.Command == Command)).ToList();
        bool forced = false;
        if (blocks.Count == 0 && Force && !key.StartsWith("user:", StringComparison.Ordinal))
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var c in Command is null ? new[] { ActiveResponseSettings.FirewallDrop, ActiveResponseSettings.HostDeny } : new[] { Command })
                blocks.Add(new BlockedAddress { Address = key, Command = c, Since = now, Reason = "forced", Instance = Paths.Root });
            forced = true;
        }
        if (blocks.Count == 0)
        {
            WriteHidsError($"{key} is not blocked{(Command is null ? "" : " by " + Command)} in instance {Paths.Root}.", "NotBlocked", ErrorCategory.ObjectNotFound, key,
                "Get-HidsBlockedAddress lists the blocks; -Force removes the address from the firewall and hosts.deny anyway.");
            return;
        }
        foreach (var b in blocks)
        {
            if (!ShouldProcess($"{b.Address} ({b.Command})", "Unblock")) continue;
            var outcome = service.Unblock(b, "unblocked by Unblock-HidsAddress", recorded: !forced);
            if (outcome.Status == BlockStatus.Blocked) { WriteVerbose(outcome.Message); if (PassThru) WriteObject(b); }
            else WriteHidsError(outcome.Message, "UnblockFailed", ErrorCategory.InvalidResult, b.Address);
        }
    }
}
