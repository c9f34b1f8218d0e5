using System.Management.Automation;
using Hids.Engine.Core;

namespace Hids.PowerShell.Common;

/// <summary>
/// Base of every cmdlet that acts on an instance: one way to pick it (-Instance, then $env:HIDS_HOME, then
/// /var/hids), and one way to report errors (stable ErrorIds, the right ErrorCategory).
/// </summary>
public abstract class HidsInstanceCmdlet : PSCmdlet
{
    /// <summary>The instance folder. Defaults to $env:HIDS_HOME, then /var/hids.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Instance { get; set; }

    private InstancePaths? _paths;
    private string? _pathsFor;

    /// <summary>The resolved instance (PowerShell paths such as ~ or relative paths resolved against $PWD).
    /// Re-resolved when -Instance changes between pipeline records.</summary>
    protected InstancePaths Paths
    {
        get
        {
            if (_paths is null || !string.Equals(_pathsFor, Instance, StringComparison.Ordinal))
            {
                _paths = InstancePaths.Resolve(string.IsNullOrEmpty(Instance) ? null : GetUnresolvedProviderPathFromPSPath(Instance));
                _pathsFor = Instance;
            }
            return _paths;
        }
    }

    /// <summary>Resolves a user-given path (relative, ~) to a full file-system path without requiring it to exist.</summary>
    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    protected void WriteHidsError(Exception ex, string errorId, ErrorCategory category, object? target)
        => WriteError(new ErrorRecord(ex, errorId, category, target));

    protected void WriteHidsError(string message, string errorId, ErrorCategory category, object? target, string? recommendedAction = null)
    {
        var record = new ErrorRecord(new InvalidOperationException(message), errorId, category, target);
        if (recommendedAction is not null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction };
        WriteError(record);
    }

    protected void ThrowHidsError(string message, string errorId, ErrorCategory category, object? target, string? recommendedAction = null)
    {
        var record = new ErrorRecord(new InvalidOperationException(message), errorId, category, target);
        if (recommendedAction is not null) record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction };
        ThrowTerminatingError(record);
    }

    /// <summary>Fails clearly when the instance has not been installed.</summary>
    protected bool RequireInstance()
    {
        if (File.Exists(Paths.OssecConf)) return true;
        WriteHidsError($"No Hids instance at '{Paths.Root}' (no etc/ossec.conf).", "InstanceNotFound",
            ErrorCategory.ObjectNotFound, Paths.Root, "Run Install-Hids -Path <folder>, or pass -Instance / set $env:HIDS_HOME.");
        return false;
    }
}
