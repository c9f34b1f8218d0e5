using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.Engine.Core;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Install-Hids: creates (or upgrades) an instance, like OSSEC's install.sh in local mode, without questions.</summary>
[Cmdlet(VerbsLifecycle.Install, "Hids", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(InstallResult), typeof(Hids.Engine.Monitor.ServiceInstallResult))]
public partial class InstallHidsCommand : PSCmdlet
{
    /// <summary>The instance folder; default $env:HIDS_HOME, else /var/hids.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public InstallType Type { get; set; } = InstallType.Local;

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePattern(@"^[^@\s<>,;&""]+@[^@\s<>,;&""]+$", ErrorMessage = "'{0}' is not an e-mail address (expected user@domain).")]
    public string? EmailTo { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePattern(@"^[^\s<>&@]+$", ErrorMessage = "'{0}' is not a host name or address.")]
    public string? SmtpServer { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>The new ossec.conf keeps active response inside the instance (own hosts.deny, no firewall).</summary>
    [Parameter]
    public SwitchParameter ContainActiveResponse { get; set; }

    /// <summary>The resolved instance root.</summary>
    protected string ResolvedPath { get; private set; } = "";

    protected override void ProcessRecord()
    {
        if (Type != InstallType.Local)
        {
            ThrowTerminatingError(new ErrorRecord(new NotSupportedException($"Install type '{Type}' is reserved for a later version of Hids; use -Type Local."),
                "InstallTypeNotSupported", ErrorCategory.NotImplemented, Type));
            return;
        }
        ResolvedPath = InstancePaths.Resolve(string.IsNullOrEmpty(Path) ? null : GetUnresolvedProviderPathFromPSPath(Path)).Root;
        var exists = File.Exists(System.IO.Path.Combine(ResolvedPath, "etc", "ossec.conf"));
        var action = exists ? (Force ? "Upgrade the shipped ruleset of the Hids instance" : "Complete the Hids instance (missing files only)") : "Install a Hids instance (local)";
        if (!ShouldProcess(ResolvedPath, action)) return;
        var options = new InstallOptions { Path = ResolvedPath, Type = Type, EmailTo = EmailTo, SmtpServer = SmtpServer, Force = Force, ContainActiveResponse = ContainActiveResponse };
        ConfigureOptions(options);
        InstallResult result;
        try { result = Installer.Install(options); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "InstallFailed", ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.WriteError, ResolvedPath));
            return;
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "InvalidValue", ErrorCategory.InvalidArgument, ResolvedPath));
            return;
        }
        if (result.ShippedRules is null)
            WriteWarning("The module's ruleset (rules/) was not found; the instance has no shipped rules. Reinstall the module or copy rules/ by hand.");
        if (result.Skipped.Count > 0)
            WriteWarning($"{result.Skipped.Count} shipped file(s) differ from this module's version and were kept; run Install-Hids -Force to upgrade them.");
        if (exists && (EmailTo is not null || SmtpServer is not null))
            WriteWarning("The instance already has an etc/ossec.conf, which Install-Hids never changes; use Set-HidsEmail to change the e-mail settings.");
        if (exists && ContainActiveResponse)
            WriteWarning("The instance already has an etc/ossec.conf, which Install-Hids never changes: -ContainActiveResponse applies to new instances. Set <hosts_deny_path> and <firewall_backend>none</firewall_backend> in its <hids> section by hand.");
        foreach (var f in result.Created) WriteVerbose($"created {f}");
        foreach (var f in result.Updated) WriteVerbose($"updated {f}");
        AfterInstall(result);
        WriteObject(result);
        if (Service) InstallService(ResolvedPath);
    }

    /// <summary>Extension point for derived behaviour (e.g. a service unit): adjust the options before installing.</summary>
    protected virtual void ConfigureOptions(InstallOptions options) { }

    /// <summary>Extension point: runs after a successful installation, before the result is written.</summary>
    protected virtual void AfterInstall(InstallResult result) { }
}
