using System.Management.Automation;
using Hids.Engine.ActiveResponse;

namespace Hids.PowerShell.Cmdlets.ActiveResponse;

/// <summary>
/// Blocks an address now with firewall-drop (default), host-deny or a custom command, for -Timeout seconds, and
/// records it in the instance's state so the monitor unblocks it on time. Accepts alerts from the pipeline
/// (their SrcIp and RuleId).
/// </summary>
[Cmdlet(VerbsSecurity.Block, "HidsAddress", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BlockedAddress))]
public sealed class BlockHidsAddressCommand : ActiveResponseCmdletBase
{
    /// <summary>The IPv4 or IPv6 address to block.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("SrcIp", "IPAddress")]
    [AllowEmptyString]
    public string Address { get; set; } = "";

    /// <summary>Seconds until the block is lifted (1 s to 365 days).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 31_536_000)]
    public int Timeout { get; set; }

    /// <summary>Why (shown by Get-HidsBlockedAddress and written to the log).</summary>
    [Parameter]
    public string? Reason { get; set; }

    /// <summary>The response command: firewall-drop (default), host-deny or a custom &lt;command&gt;.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ResponseCommandCompleter))]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = ActiveResponseSettings.FirewallDrop;

    /// <summary>The rule that caused the block (bound from an alert on the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int? RuleId { get; set; }

    /// <summary>The alert id (bound from an alert on the pipeline).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? AlertId { get; set; }

    /// <summary>Write the recorded block to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        // Validate before asking: ShouldProcess names the parsed address, never the raw input.
        if (!AddressValidation.TryParse(Address, out var ip, out var why))
        {
            WriteHidsError($"'{AddressValidation.ForLog(Address).Trim('\'')}' is not an address that can be blocked: {why}.", "InvalidAddress",
                ErrorCategory.InvalidArgument, Address, "Pass one IPv4 (dotted quad) or IPv6 address.");
            return;
        }
        var service = OpenService();
        if (service is null) return;
        var canonical = AddressValidation.Canonical(ip);
        if (!service.Settings.Commands.ContainsKey(Command))
        {
            WriteHidsError($"The command '{Command}' is not defined in {Paths.OssecConf}.", "UnknownCommand", ErrorCategory.ObjectNotFound, Command,
                "Use firewall-drop or host-deny, or define the <command> in ossec.conf.");
            return;
        }
        if (service.Settings.Protected.IsProtected(ip, out var reason))
        {
            WriteHidsError($"{canonical} is never blocked: {reason}.", "ProtectedAddress", ErrorCategory.PermissionDenied, canonical,
                "Loopback, the host's own addresses and <white_list> entries cannot be blocked; remove the white-list entry first if this is intended.");
            return;
        }
        if (!ShouldProcess($"{canonical} ({Command}, {Timeout} s)", "Block")) return;
        var context = new ResponseContext(null, RuleId, AlertId, string.IsNullOrWhiteSpace(Reason) ? (RuleId is { } r ? $"manual block (rule {r})" : "manual block") : Reason!);
        var outcome = service.Block(canonical, null, Command, Timeout, null, context, "manual");
        switch (outcome.Status)
        {
            case BlockStatus.Blocked:
                WriteVerbose(outcome.Message);
                if (PassThru) WriteObject(outcome.Block);
                break;
            case BlockStatus.AlreadyBlocked:
                WriteWarning($"{canonical} is already blocked by {Command} until {(outcome.Block?.Expires?.ToLocalTime().ToString() ?? "further notice")}.");
                if (PassThru) WriteObject(outcome.Block);
                break;
            default:
                WriteHidsError(outcome.Message, "BlockFailed", ErrorCategory.InvalidResult, canonical,
                    "See logs/ossec.log; for firewall-drop nft or iptables must be installed and the cmdlet run as root.");
                break;
        }
    }
}
