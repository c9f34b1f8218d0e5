using System.Management.Automation;
using Hids.Engine.Configuration;
using Hids.PowerShell.Common;

namespace Hids.PowerShell.Cmdlets.Configuration;

/// <summary>Add-HidsDirectory: monitors directories with syscheck (a &lt;directories&gt; element), or updates their options.</summary>
[Cmdlet(VerbsCommon.Add, "HidsDirectory", SupportsShouldProcess = true)]
[OutputType(typeof(HidsDirectory))]
public sealed class AddHidsDirectoryCommand : HidsConfigurationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter] public SwitchParameter Realtime { get; set; }
    [Parameter] public SwitchParameter ReportChanges { get; set; }
    [Parameter] public SwitchParameter CheckAll { get; set; } = true;

    [Parameter]
    [ValidateSet("check_sum", "check_sha1sum", "check_md5sum", "check_sha256sum", "check_size", "check_owner", "check_group", "check_perm", "check_mtime", "check_inode")]
    public string[]? Check { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Restrict { get; set; }

    protected override void ProcessRecord()
    {
        var paths = Path.Select(ConfigPath).ToList();
        var checkAll = MyInvocation.BoundParameters.ContainsKey(nameof(CheckAll)) ? CheckAll.IsPresent : Check is null;
        var o = new DirectoryOptions { Realtime = Realtime, ReportChanges = ReportChanges, CheckAll = checkAll, Restrict = Restrict };
        foreach (var c in Check ?? Array.Empty<string>()) DirectoryAttributes.Setter(c)!(o, true);
        var outcome = Edit(ed => ed.AddDirectories(paths, o));
        if (outcome is EditOutcome.Failed or EditOutcome.WhatIf) return;
        var cfg = LoadConfiguration(failOnErrors: false);
        if (cfg is null) return;
        foreach (var p in paths)
            foreach (var d in cfg.Syscheck.Directories.Where(d => Norm(d.Path) == p))
                WriteObject(HidsDirectory.From(Paths.Root, d));
    }

    private static string Norm(string p) => p.Length > 1 ? p.TrimEnd('/') : p;
}
