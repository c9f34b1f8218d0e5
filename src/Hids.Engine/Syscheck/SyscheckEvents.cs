using System.Text;
using Hids.Engine.Analysis;
using Hids.Engine.Core;

namespace Hids.Engine.Syscheck;

/// <summary>Scan totals (Invoke-HidsScan's output).</summary>
public sealed class ScanSummary
{
    public DateTimeOffset Started { get; set; }
    public TimeSpan Duration { get; set; }
    /// <summary>Files (and links/special files) examined.</summary>
    public long Files { get; set; }
    public long Added { get; set; }
    public long Changed { get; set; }
    public long Deleted { get; set; }
    /// <summary>Files whose contents were read and hashed (the rest matched size, mtime, ctime and inode).</summary>
    public long Hashed { get; set; }
    public long BytesHashed { get; set; }
    /// <summary>Files that could not be read (permission denied, vanished, ...); see <see cref="Problems"/>.</summary>
    public long Errors { get; set; }
    /// <summary>Events queued for the rule engine.</summary>
    public long Events { get; set; }
    /// <summary>True when this was the first scan of its directories (new files are baselined silently).</summary>
    public bool FirstBaseline { get; set; }
    public bool Completed { get; set; }
    public bool FullRehash { get; set; }
    public string[] Paths { get; set; } = Array.Empty<string>();
    public List<HidsDiagnostic> Problems { get; set; } = new();
    public List<FileChange> Changes { get; set; } = new();
}

/// <summary>One change found by a scan.</summary>
public sealed class FileChange
{
    public string Path { get; set; } = "";
    /// <summary>Added, Modified, Deleted.</summary>
    public string Change { get; set; } = "";
    public string[] ChangedAttributes { get; set; } = Array.Empty<string>();
    /// <summary>Whether an event was queued for the rule engine (new files only with alert_new_files; none on a first baseline).</summary>
    public bool Reported { get; set; }
}

/// <summary>Progress of a running scan (Write-Progress).</summary>
public sealed class ScanProgress
{
    public string Phase { get; set; } = "";
    public long FilesSeen { get; set; }
    public long FilesHashed { get; set; }
    public long BytesHashed { get; set; }
    /// <summary>Entries in the baseline before the scan (an estimate of the total).</summary>
    public long Expected { get; set; }
    public string? CurrentPath { get; set; }
}

/// <summary>Builds the events syscheck hands to the rule engine, in OSSEC's text.</summary>
public static class SyscheckEvents
{
    public const string ChangedDecoder = "syscheck_integrity_changed";
    public const string DeletedDecoder = "syscheck_deleted";
    public const string NewDecoder = "syscheck_new_entry";
    public const string Location = "syscheck";

    private static string Time(long ns) => DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz");
    private static string KindName(FileKind k) => k switch { FileKind.File => "file", FileKind.Symlink => "symbolic link", FileKind.Directory => "directory", _ => k.ToString().ToLowerInvariant() };

    public static SyscheckDetails Details(string path, string change, BaselineEntry? before, BaselineEntry? after, string[] attrs, string? diff)
    {
        var d = new SyscheckDetails { Path = path, Event = change, ChangedAttributes = attrs, Diff = diff };
        if (before is not null)
        {
            d.SizeBefore = before.Size; d.PermBefore = AccountNames.PermString(before.Mode);
            d.UidBefore = before.Uid.ToString(); d.GidBefore = before.Gid.ToString();
            d.OwnerBefore = AccountNames.User(before.Uid); d.GroupBefore = AccountNames.Group(before.Gid);
            d.Md5Before = BaselineEntry.Hex(before.Md5); d.Sha1Before = BaselineEntry.Hex(before.Sha1); d.Sha256Before = BaselineEntry.Hex(before.Sha256);
            d.MtimeBefore = before.Mtime; d.InodeBefore = (long)before.Inode;
        }
        if (after is not null)
        {
            d.SizeAfter = after.Size; d.PermAfter = AccountNames.PermString(after.Mode);
            d.UidAfter = after.Uid.ToString(); d.GidAfter = after.Gid.ToString();
            d.OwnerAfter = AccountNames.User(after.Uid); d.GroupAfter = AccountNames.Group(after.Gid);
            d.Md5After = BaselineEntry.Hex(after.Md5); d.Sha1After = BaselineEntry.Hex(after.Sha1); d.Sha256After = BaselineEntry.Hex(after.Sha256);
            d.MtimeAfter = after.Mtime; d.InodeAfter = (long)after.Inode;
        }
        return d;
    }

    /// <summary>The "Portion of the log" text OSSEC shows for a changed file.</summary>
    public static string ChangedText(BaselineEntry b, BaselineEntry a, IReadOnlyCollection<string> attrs, string? diff)
    {
        var sb = new StringBuilder();
        sb.Append("Integrity checksum changed for: '").Append(a.Path).Append("'\n");
        if (attrs.Contains("type")) sb.Append($"File type changed from '{KindName(b.Kind)}' to '{KindName(a.Kind)}'\n");
        if (attrs.Contains("link")) sb.Append($"Link target changed from '{b.LinkTarget}' to '{a.LinkTarget}'\n");
        if (attrs.Contains("size")) sb.Append($"Size changed from '{b.Size}' to '{a.Size}'\n");
        if (attrs.Contains("perm")) sb.Append($"Permissions changed from '{AccountNames.PermString(b.Mode)}' to '{AccountNames.PermString(a.Mode)}'\n");
        if (attrs.Contains("owner")) sb.Append($"Ownership was '{b.Uid}', now it is '{a.Uid}'\n");
        if (attrs.Contains("group")) sb.Append($"Group ownership was '{b.Gid}', now it is '{a.Gid}'\n");
        if (attrs.Contains("mtime")) sb.Append($"Old modification time was: '{Time(b.MtimeNs)}', now it is '{Time(a.MtimeNs)}'\n");
        if (attrs.Contains("inode")) sb.Append($"Old inode was: '{b.Inode}', now it is '{a.Inode}'\n");
        if (diff is not null) sb.Append("What changed:\n").Append(diff).Append('\n');
        if (attrs.Contains("md5")) sb.Append($"Old md5sum was: '{BaselineEntry.Hex(b.Md5)}'\nNew md5sum is : '{BaselineEntry.Hex(a.Md5)}'\n");
        if (attrs.Contains("sha1")) sb.Append($"Old sha1sum was: '{BaselineEntry.Hex(b.Sha1)}'\nNew sha1sum is : '{BaselineEntry.Hex(a.Sha1)}'\n");
        if (attrs.Contains("sha256")) sb.Append($"Old sha256sum was: '{BaselineEntry.Hex(b.Sha256)}'\nNew sha256sum is : '{BaselineEntry.Hex(a.Sha256)}'\n");
        return sb.ToString().TrimEnd('\n');
    }

    public static string DeletedText(string path) => $"File '{path}' was deleted. Unable to retrieve checksum.";
    public static string AddedText(string path) => $"New file '{path}' added to the file system.";

    public static LogEvent Changed(BaselineEntry b, BaselineEntry a, string[] attrs, string? diff) => new()
    {
        Location = Location, DecoderName = ChangedDecoder, FullLog = ChangedText(b, a, attrs, diff),
        Syscheck = Details(a.Path, "Modified", b, a, attrs, diff),
    };

    public static LogEvent Deleted(BaselineEntry b) => new()
    {
        Location = Location, DecoderName = DeletedDecoder, FullLog = DeletedText(b.Path),
        Syscheck = Details(b.Path, "Deleted", b, null, Array.Empty<string>(), null),
    };

    public static LogEvent Added(BaselineEntry a) => new()
    {
        Location = Location, DecoderName = NewDecoder, FullLog = AddedText(a.Path),
        Syscheck = Details(a.Path, "Added", null, a, Array.Empty<string>(), null),
    };

    /// <summary>
    /// An operational problem syscheck must say out loud (coverage lost, corrupt store). Worded to match OSSEC's
    /// "ossec: ..." self-reporting so the ossec rule group sees it; no decoder is preset.
    /// </summary>
    public static LogEvent Problem(string code, string message) => new()
    {
        Location = "hids-syscheckd", FullLog = $"ossec: syscheck: {code}: {message}",
    };
}
