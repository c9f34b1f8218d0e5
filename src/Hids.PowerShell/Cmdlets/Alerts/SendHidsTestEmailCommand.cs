using System.Management.Automation;
using System.Net;
using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using MimeKit;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Alerts;

/// <summary>Sends a test message through the instance's e-mail settings (or overrides) and reports the SMTP outcome.</summary>
[Cmdlet(VerbsCommunications.Send, "HidsTestEmail", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SmtpTestResult))]
public sealed class SendHidsTestEmailCommand : HidsInstanceCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[]? To { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SmtpServer { get; set; }

    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    [Parameter]
    [ValidateSet("none", "starttls", "tls")]
    public string? Security { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 20;

    protected override void ProcessRecord()
    {
        var config = new HidsConfiguration();
        bool overridesComplete = !string.IsNullOrEmpty(SmtpServer) && To is { Length: > 0 };
        if (File.Exists(Paths.OssecConf))
        {
            try { config = MailConfigReader.Read(Paths.OssecConf); }
            catch (Exception ex) when (ex is Hids.Engine.Xml.OssecXmlException or IOException or UnauthorizedAccessException)
            {
                if (!overridesComplete)
                {
                    WriteHidsError($"Cannot read the e-mail settings from {Paths.OssecConf}: {ex.Message}", "ConfigurationUnreadable",
                        ErrorCategory.InvalidData, Paths.OssecConf, "Fix the file (Test-HidsConfiguration), or pass -SmtpServer and -To.");
                    return;
                }
            }
        }
        else if (!overridesComplete)
        {
            if (!RequireInstance()) return;
        }

        var smtp = SmtpSettings.FromGlobal(config.Global);
        if (!string.IsNullOrEmpty(SmtpServer)) smtp.Server = SmtpServer;
        if (Port > 0) smtp.Port = Port;
        if (!string.IsNullOrEmpty(From)) smtp.From = From;
        if (!string.IsNullOrEmpty(Security)) smtp.Security = Security;
        if (Credential is not null) { smtp.User = Credential.UserName; smtp.Password = Credential.GetNetworkCredential().Password; }
        smtp.TimeoutMs = TimeoutSeconds * 1000;
        var to = To is { Length: > 0 } ? To : config.Global.EmailTo.ToArray();
        if (string.IsNullOrWhiteSpace(smtp.Server))
        {
            WriteHidsError("No SMTP server: <smtp_server> is not set in <global>.", "NoSmtpServer", ErrorCategory.InvalidArgument, Paths.OssecConf,
                "Set it with Set-HidsEmail -SmtpServer, or pass -SmtpServer.");
            return;
        }
        if (to.Length == 0)
        {
            WriteHidsError("No recipient: <email_to> is not set in <global>.", "NoRecipient", ErrorCategory.InvalidArgument, Paths.OssecConf,
                "Set it with Set-HidsEmail -To, or pass -To.");
            return;
        }
        if (string.IsNullOrWhiteSpace(smtp.From)) smtp.From = "hids@" + Dns.GetHostName();

        MimeMessage msg;
        try
        {
            msg = new MimeMessage();
            msg.From.Add(MailboxAddress.Parse(AlertText.SanitizeHeader(smtp.From, 320)));
            foreach (var t in to) msg.To.Add(MailboxAddress.Parse(AlertText.SanitizeHeader(t, 320)));
        }
        catch (MimeKit.ParseException ex)
        {
            WriteHidsError($"Invalid address: {ex.Message}", "InvalidAddress", ErrorCategory.InvalidArgument, to);
            return;
        }
        var host = Environment.MachineName;
        msg.Subject = $"{AlertText.ProductName} test message - {host}";
        msg.Date = DateTimeOffset.Now;
        msg.Body = new TextPart("plain")
        {
            Text = $"{AlertText.ProductName} test message.\n{AlertText.OssecDate(DateTimeOffset.Now)}\n\n" +
                   $"Sent by Send-HidsTestEmail from {host} (instance {Paths.Root}) through {smtp.Server}:{smtp.Port} ({smtp.Security}).\n" +
                   "If you can read this, the instance's e-mail notifications can reach you.\n\n --END OF NOTIFICATION\n",
        };

        var target = $"{string.Join(", ", to)} via {smtp.Server}:{smtp.Port}";
        if (!ShouldProcess(target, "Send a test e-mail")) return;
        var result = SmtpSender.SendTest(smtp, msg);
        WriteObject(result);
        if (!result.Success)
        {
            var record = new ErrorRecord(new InvalidOperationException($"Test e-mail to {string.Join(", ", to)} failed: {result.Error}"),
                "SmtpTestFailed", ErrorCategory.ConnectionError, result);
            record.ErrorDetails = new ErrorDetails(record.Exception.Message)
            { RecommendedAction = "Check smtp_server, the port and security settings, and that the server accepts mail from this host." };
            WriteError(record);
        }
    }
}
