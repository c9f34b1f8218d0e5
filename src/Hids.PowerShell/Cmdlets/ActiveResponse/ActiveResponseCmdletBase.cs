using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Hids.Engine.ActiveResponse;
using Hids.Engine.Configuration;
using Hids.Engine.Core;
using Hids.Engine.Xml;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.ActiveResponse;

/// <summary>
/// Shared set-up of the active response cmdlets: the instance's configuration (hosts.deny path, nft table,
/// firewall backend, white list, commands), the state store and the operational log. $env:HIDS_NETNS (a testing
/// aid) makes the firewall tools run inside that network namespace.
/// </summary>
public abstract class ActiveResponseCmdletBase : HidsInstanceCmdlet
{
    private ActiveResponseService? _service;
    private OperationalLog? _log;
    private string? _serviceRoot;

    /// <summary>Opens the service for the instance; null (with an error written) when the instance or its configuration is unusable.</summary>
    protected ActiveResponseService? OpenService()
    {
        // Pipeline records may name different instances (-Instance binds by property name): one service per instance.
        if (_service is not null && _serviceRoot == Paths.Root) return _service;
        Close();
        if (!RequireInstance()) return null;
        var loaded = ConfigurationLoader.LoadInstance(Paths);
        if (loaded.HasErrors)
        {
            var first = loaded.Errors.First();
            ThrowHidsError($"The configuration has errors; nothing was changed. {first}", "ConfigurationInvalid", ErrorCategory.InvalidData, Paths.OssecConf,
                first.Hint ?? "Run Test-HidsConfiguration for every problem.");
            return null;
        }
        var config = loaded.Configuration;
        var settings = ActiveResponseSettings.From(config, Paths);
        foreach (var p in settings.Problems) WriteWarning(p);
        _log = new OperationalLog(Paths.OperationalLog);
        _service = new ActiveResponseService(Paths, settings, _log, emit: null);
        _serviceRoot = Paths.Root;
        return _service;
    }

    protected override void EndProcessing() => Close();
    protected override void StopProcessing() => Close();

    private void Close()
    {
        _service?.Dispose(); _service = null; _serviceRoot = null;
        _log?.Dispose(); _log = null;
    }
}

/// <summary>Completes -Command with the built-in commands and those defined in the instance's ossec.conf.</summary>
public sealed class ResponseCommandCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var names = new List<string> { ActiveResponseSettings.FirewallDrop, ActiveResponseSettings.HostDeny };
        try
        {
            var inst = fakeBoundParameters["Instance"] as string;
            var cfg = ConfigurationLoader.LoadInstance(InstancePaths.Resolve(inst)).Configuration;
            names.AddRange(cfg.Commands.Select(c => c.Name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OssecXmlException or ArgumentException) { }
        return names.Distinct().Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
