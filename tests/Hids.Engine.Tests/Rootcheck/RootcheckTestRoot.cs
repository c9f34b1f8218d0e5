using System.Runtime.InteropServices;
using System.Text;

namespace Hids.Engine.Tests.Rootcheck;

/// <summary>A fake system root in a temp folder, with helpers to plant artifacts.</summary>
internal sealed partial class RootcheckTestRoot : IDisposable
{
    private readonly TempDir _dir = TestPaths.NewTempDir("hids-rc");
    public string Path => _dir.Path;

    public RootcheckTestRoot()
    {
        foreach (var d in new[] { "bin", "sbin", "usr/bin", "usr/sbin", "usr/lib", "etc", "dev", "tmp", "var/lib/dpkg/info", "sys/class/net", "boot" })
            Directory.CreateDirectory(Full(d));
        // accounts of the fake system: root and the user running the test, nothing else
        uint me = GetEuid();
        File.WriteAllText(Full("etc/passwd"), $"root:x:0:0:root:/root:/bin/bash\n" + (me != 0 ? $"me:x:{me}:{GetEgid()}::/home/me:/bin/sh\n" : ""));
        File.WriteAllText(Full("etc/group"), $"root:x:0:\n" + (GetEgid() != 0 ? $"me:x:{GetEgid()}:\n" : ""));
    }

    public string Full(string rooted) => System.IO.Path.Combine(Path, rooted.TrimStart('/'));

    public string File_(string rooted, string content = "x", UnixFileMode? mode = null)
    {
        string f = Full(rooted);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(f)!);
        File.WriteAllText(f, content);
        if (mode is not null) File.SetUnixFileMode(f, mode.Value);
        return f;
    }

    public string Binary(string rooted, params string[] strings)
    {
        // an ELF-looking blob: binary noise around NUL-terminated strings
        var bytes = new List<byte> { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 };
        var rnd = new Random(7);
        foreach (var s in strings.Concat(new[] { "GLIBC_2.34", "libc.so.6", "/lib64/ld-linux-x86-64.so.2", "usage: %s [-l] [file...]" }))
        {
            for (int i = 0; i < 16; i++) bytes.Add((byte)rnd.Next(0, 31));
            bytes.AddRange(Encoding.ASCII.GetBytes(s));
            bytes.Add(0);
        }
        string f = Full(rooted);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(f)!);
        File.WriteAllBytes(f, bytes.ToArray());
        File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return f;
    }

    /// <summary>Makes a file owned by an account that does not exist in the fake /etc/passwd. As root: chown to an
    /// unused uid; otherwise the file keeps the test user's uid and the fake passwd is rewritten without it.</summary>
    public void MakeUnowned(string rooted, uint uid = 4242)
    {
        if (GetEuid() == 0)
        {
            Assert.Equal(0, Lchown(Full(rooted), uid, 0));
        }
        else
        {
            File.WriteAllText(Full("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        }
    }

    public void Dispose() => _dir.Dispose();

    [LibraryImport("libc", EntryPoint = "geteuid")] public static partial uint GetEuid();
    [LibraryImport("libc", EntryPoint = "getegid")] public static partial uint GetEgid();
    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8)] private static partial int Lchown(string path, uint uid, uint gid);
}
