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
        try { return _options = SyscheckConfigReader.Load(Paths.OssecConf); }
        catch (Exception ex)
        {
            WriteHidsError($"Cannot read the <syscheck> configuration of '{Paths.OssecConf}': {ex.Message}", "ConfigurationInvalid",
                ErrorCategory.InvalidData, Paths.OssecConf, "Run Test-HidsConfiguration to see where the file is wrong.");
            return null;
        }
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
