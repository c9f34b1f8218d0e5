using System.Text;

namespace Hids.Engine.Core;

/// <summary>Writes a file so that readers see the old or the new content, never half of it: a temp file in the same
/// folder, flushed to disk, then renamed over the target; an existing file's mode, owner and group are kept. The
/// previous version can be kept as &lt;name&gt;.bak.</summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Writes <paramref name="content"/> unless the file already holds exactly these bytes. Returns true when written.</summary>
    public static bool WriteIfChanged(string path, string content, bool keepBackup, UnixFileMode? newFileMode = null)
        => WriteIfChanged(path, Utf8NoBom.GetBytes(content), keepBackup, newFileMode);

    public static bool WriteIfChanged(string path, byte[] bytes, bool keepBackup, UnixFileMode? newFileMode = null)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) return false;
        Write(path, s => s.Write(bytes), keepBackup, newFileMode);
        return true;
    }

    /// <summary>Writes <paramref name="content"/> (UTF-8, no BOM) atomically, whatever the file holds now.</summary>
    public static void Write(string path, string content, UnixFileMode? newFileMode = null)
    {
        var bytes = Utf8NoBom.GetBytes(content);
        Write(path, s => s.Write(bytes), keepBackup: false, newFileMode);
    }

    /// <summary>Writes what <paramref name="write"/> puts into the stream atomically (e.g. through a GZipStream).</summary>
    public static void Write(string path, Action<Stream> write, bool keepBackup = false, UnixFileMode? newFileMode = null)
    {
        bool exists = File.Exists(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                var mode = exists ? File.GetUnixFileMode(path) : newFileMode;
                if (mode is not null) File.SetUnixFileMode(tmp, mode.Value);
                // Keep the owner and group (an ossec.conf owned root:hids stays so); without the right to, the new
                // file is ours, as any editor would leave it.
                if (exists && UnixFile.LStat(path) is { } old && UnixFile.LStat(tmp) is { } now && (old.Uid != now.Uid || old.Gid != now.Gid))
                    UnixFile.LChown(tmp, old.Uid, old.Gid);
            }
            if (exists && keepBackup)
            {
                var bak = path + ".bak";
                var bakTmp = bak + $".{Guid.NewGuid():N}.tmp";
                File.Copy(path, bakTmp, overwrite: true);
                File.Move(bakTmp, bak, overwrite: true);
            }
            File.Move(tmp, path, overwrite: true);
            FsyncDirectory(dir);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    private static void FsyncDirectory(string dir)
    {
        // Make the rename durable. Opening a directory for flush is not possible through FileStream; the data itself
        // was flushed before the rename, which is what protects against a torn file.
        try
        {
            using var h = File.OpenHandle(dir, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(h);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException) { }
    }
}
