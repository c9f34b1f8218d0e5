using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.Engine.Syscheck;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Syscheck;

/// <summary>Shared plumbing of the integrity cmdlets: the instance's syscheck options and path checks.</summary>
public abstract class SyscheckCmdletBase : HidsInstanceCmdlet
{
    private SyscheckOptions? _options;

    protected SyscheckOptions? LoadOptions()
    {
        if (_options is not null) return _options;
        if (!RequireInstance()) return null;
        var r = ConfigurationLoader.LoadInstance(Paths);
        if (r.HasErrors)
        {
            var first = r.Errors.First();
            WriteHidsError($"The configuration has errors; nothing was scanned or changed. {first}", "ConfigurationInvalid",
                ErrorCategory.InvalidData, Paths.OssecConf, first.Hint ?? "Run Test-HidsConfiguration to see every problem.");
            return null;
        }
        return _options = r.Configuration.Syscheck;
    }

    /// <summary>Resolves user paths (relative, ~, PSPath) to full file-system paths.</summary>
    protected string FullPath(string p) => SyscheckPolicy.Normalize(ResolvePath(p));

    protected static ErrorCategory CategoryOf(string code) => code switch
    {
        "HIDS3001" or "HIDS3002" => ErrorCategory.PermissionDenied,
        "HIDS3004" or "HIDS3005" => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.NotSpecified,
    };
}
