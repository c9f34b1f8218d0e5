using System.Management.Automation;
using Hids.Engine.Alerts;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Alerts;

/// <summary>Sends a test message through the instance's e-mail settings (or overrides) and reports the SMTP outcome (TLS and certificate included).</summary>
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
    [ValidateNotNullOrEmpty]
    public string? CaFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CertificateFingerprint { get; set; }

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

        var plan = TestEmail.Prepare(config, new TestEmailRequest
        {
            To = To, SmtpServer = SmtpServer, Port = Port > 0 ? Port : null, From = From, Security = Security,
            User = Credential?.UserName, Password = Credential?.GetNetworkCredential().Password,
            CaFile = CaFile is null ? null : ResolvePath(CaFile), CertificateFingerprint = CertificateFingerprint,
            TimeoutSeconds = TimeoutSeconds, InstanceRoot = Paths.Root,
        });
        switch (plan.Problem)
        {
            case TestEmailProblem.NoSmtpServer:
            case TestEmailProblem.NoRecipient:
                WriteHidsError(plan.ProblemMessage!, plan.Problem.ToString(), ErrorCategory.InvalidArgument, Paths.OssecConf, plan.ProblemHint);
                return;
            case TestEmailProblem.InvalidAddress:
                WriteHidsError(plan.ProblemMessage!, "InvalidAddress", ErrorCategory.InvalidArgument, plan.To, plan.ProblemHint);
                return;
        }

        if (!ShouldProcess(plan.Target, "Send a test e-mail")) return;
        var result = TestEmail.Send(plan);
        WriteObject(result);
        if (!result.Success)
        {
            var record = new ErrorRecord(new InvalidOperationException($"Test e-mail to {string.Join(", ", plan.To)} failed: {result.Error}"),
                "SmtpTestFailed", result.FailureKind == nameof(SmtpFailure.Certificate) ? ErrorCategory.SecurityError : ErrorCategory.ConnectionError, result);
            record.ErrorDetails = new ErrorDetails(record.Exception.Message) { RecommendedAction = TestEmail.RecommendedAction(result) };
            WriteError(record);
        }
    }
}
