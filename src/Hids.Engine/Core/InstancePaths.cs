namespace Hids.Engine.Core;

/// <summary>
/// The folder layout of one Hids instance (the equivalent of OSSEC's /var/ossec).
/// Every component asks this type for a path; nothing builds instance paths by hand.
/// </summary>
public sealed class InstancePaths
{
    /// <summary>Where an instance lives when neither -Instance nor HIDS_HOME says otherwise.</summary>
    public const string DefaultRoot = "/var/hids";
    public const string HomeVariable = "HIDS_HOME";

    public InstancePaths(string root)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("An instance path is required.", nameof(root));
        Root = Path.GetFullPath(root);
    }

    /// <summary>Resolves the instance folder: the explicit value, then $HIDS_HOME, then <see cref="DefaultRoot"/>.</summary>
    public static InstancePaths Resolve(string? explicitRoot)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot)) return new InstancePaths(explicitRoot);
        var env = Environment.GetEnvironmentVariable(HomeVariable);
        return new InstancePaths(string.IsNullOrWhiteSpace(env) ? DefaultRoot : env);
    }

    public string Root { get; }
    public string Etc => Path.Combine(Root, "etc");
    public string OssecConf => Path.Combine(Etc, "ossec.conf");
    /// <summary>Written by Install-Hids: marks the folder as a Hids instance, so Uninstall-Hids removes only those.</summary>
    public string InstanceMarker => Path.Combine(Root, ".hids-instance");
    public string LocalRules => Path.Combine(Etc, "local_rules.xml");
    public string LocalDecoders => Path.Combine(Etc, "local_decoder.xml");
    public string DecodersDir => Path.Combine(Etc, "decoders");
    public string SharedDir => Path.Combine(Etc, "shared");
    /// <summary>The shipped ruleset (rules/*.xml, decoders, rootcheck databases); replaced by Install-Hids -Force.</summary>
    public string RulesDir => Path.Combine(Root, "rules");
    public string Logs => Path.Combine(Root, "logs");
    public string OperationalLog => Path.Combine(Logs, "ossec.log");
    public string AlertsDir => Path.Combine(Logs, "alerts");
    public string AlertsLog => Path.Combine(AlertsDir, "alerts.log");
    public string AlertsJson => Path.Combine(AlertsDir, "alerts.json");
    public string Queue => Path.Combine(Root, "queue");
    public string AlertStore => Path.Combine(Queue, "alerts.db");
    public string SyscheckStore => Path.Combine(Queue, "syscheck.db");
    public string DiffDir => Path.Combine(Queue, "diff");
    public string MailQueue => Path.Combine(Queue, "mail");
    public string StateStore => Path.Combine(Queue, "state.db");
    public string VarRun => Path.Combine(Root, "var", "run");
    public string PidFile => Path.Combine(VarRun, "hidsd.pid");
    public string StatusFile => Path.Combine(VarRun, "status.json");
    public string Tmp => Path.Combine(Root, "tmp");
    public string Bin => Path.Combine(Root, "bin");

    /// <summary>Folders Install-Hids creates.</summary>
    public IEnumerable<string> Folders => new[] { Etc, DecodersDir, SharedDir, RulesDir, Logs, AlertsDir, Queue, DiffDir, MailQueue, VarRun, Tmp, Bin };

    public override string ToString() => Root;
}
