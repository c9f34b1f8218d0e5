using System.Globalization;
using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

public enum HidsSmtpSecurity { None, StartTls, Tls }

/// <summary>Set-HidsEmail: who gets alert e-mails, from whom, through which server, from which level on.</summary>
[Cmdlet(VerbsCommon.Set, "HidsEmail", SupportsShouldProcess = true)]
[OutputType(typeof(HidsEmailSettings))]
public sealed class SetHidsEmailCommand : HidsConfigurationCmdlet
{
    private const string EmailPattern = @"^[^@\s<>,;&""]+@[^@\s<>,;&""]+$";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePattern(EmailPattern, ErrorMessage = "'{0}' is not an e-mail address (expected user@domain).")]
    public string[]? To { get; set; }

    [Parameter]
    [ValidatePattern(EmailPattern, ErrorMessage = "'{0}' is not an e-mail address (expected user@domain).")]
    public string? From { get; set; }

    [Parameter]
    [ValidatePattern(@"^[^\s<>&@]+$", ErrorMessage = "'{0}' is not a host name or address.")]
    public string? SmtpServer { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int SmtpPort { get; set; }

    [Parameter]
    public HidsSmtpSecurity SmtpSecurity { get; set; }

    // The four below: an empty string removes the setting.

    /// <summary>User for SMTP AUTH (smtp_user).</summary>
    [Parameter]
    [AllowEmptyString]
    [ValidatePattern(@"^[^\s<>&]*$", ErrorMessage = "'{0}' is not a valid SMTP user name.")]
    public string? SmtpUser { get; set; }

    /// <summary>File holding the SMTP password on one line (smtp_password_file, mode 0600).</summary>
    [Parameter]
    [AllowEmptyString]
    public string? SmtpPasswordFile { get; set; }

    /// <summary>PEM file of CA/server certificates trusted for the SMTP server besides the system store (smtp_ca_file).</summary>
    [Parameter]
    [AllowEmptyString]
    public string? SmtpCaFile { get; set; }

    /// <summary>SHA-256 fingerprint the SMTP server's certificate must have (smtp_cert_fingerprint).</summary>
    [Parameter]
    [AllowEmptyString]
    [ValidatePattern(@"^$|^(sha256:)?([0-9A-Fa-f]{2}[:\- ]?){31}[0-9A-Fa-f]{2}$", ErrorMessage = "'{0}' is not a SHA-256 fingerprint (64 hex digits, colons allowed).")]
    public string? SmtpCertificateFingerprint { get; set; }

    [Parameter]
    [ValidateRange(0, 16)]
    public int AlertLevel { get; set; }

    [Parameter]
    [ValidateRange(1, 9999)]
    public int MaxPerHour { get; set; }

    [Parameter]
    public SwitchParameter Notification { get; set; }

    protected override void ProcessRecord()
    {
        var b = MyInvocation.BoundParameters;
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        var outcome = Edit(ed =>
        {
            if (b.ContainsKey(nameof(Notification))) ed.SetValue("global", "email_notification", ConfigurationEditor.YesNo(Notification));
            if (To is not null) ed.SetValues("global", "email_to", To.Distinct().ToList());
            ed.SetValue("global", "smtp_server", SmtpServer);
            ed.SetValue("global", "email_from", From);
            if (b.ContainsKey(nameof(MaxPerHour))) ed.SetValue("global", "email_maxperhour", I(MaxPerHour));
            if (b.ContainsKey(nameof(AlertLevel))) ed.SetValue("alerts", "email_alert_level", I(AlertLevel));
            if (b.ContainsKey(nameof(SmtpPort))) ed.SetHidsSetting("smtp_port", I(SmtpPort));
            if (b.ContainsKey(nameof(SmtpSecurity))) ed.SetHidsSetting("smtp_security", SmtpSecurity.ToString().ToLowerInvariant());
            void SetOrRemove(string element, string? value, Func<string, string> normalize)
            {
                if (value is null) return;
                if (value.Length == 0) ed.RemoveHidsSetting(element);
                else ed.SetHidsSetting(element, normalize(value));
            }
            SetOrRemove("smtp_user", SmtpUser, v => v);
            SetOrRemove("smtp_password_file", SmtpPasswordFile, ConfigPath);
            SetOrRemove("smtp_ca_file", SmtpCaFile, ConfigPath);
            SetOrRemove("smtp_cert_fingerprint", SmtpCertificateFingerprint, v => Hids.Engine.Alerts.SmtpSettings.NormalizeFingerprint(v) ?? v);
        });
        if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
        if (LoadConfiguration(failOnErrors: false) is { } cfg) WriteObject(HidsEmailSettings.Create(Paths.Root, cfg));
    }
}
