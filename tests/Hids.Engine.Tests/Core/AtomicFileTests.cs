using Hids.Engine.Core;

namespace Hids.Engine.Tests.Core;

public sealed class AtomicFileTests
{
    [Fact]
    public void Rewriting_keeps_mode_owner_and_group_and_the_backup_and_leaves_no_temp_file()
    {
        using var dir = TestPaths.NewTempDir("hids-atomic");
        var f = dir.Combine("ossec.conf");
        File.WriteAllText(f, "old\n");
        File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var me = UnixFile.LStat(f)!.Value;
        // As root (CI and this machine) the file is given away to another owner and group first, as an admin's
        // root:hids ossec.conf would be; elsewhere only the group we are in can be checked.
        uint uid = me.Uid == 0 ? 4242u : me.Uid, gid = me.Uid == 0 ? 4343u : me.Gid;
        Assert.True(UnixFile.LChown(f, uid, gid));

        Assert.True(AtomicFile.WriteIfChanged(f, "new\n", keepBackup: true));

        var st = UnixFile.LStat(f)!.Value;
        Assert.Equal("new\n", File.ReadAllText(f));
        Assert.Equal("old\n", File.ReadAllText(f + ".bak"));
        Assert.Equal(uid, st.Uid);
        Assert.Equal(gid, st.Gid);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(f));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
        Assert.False(AtomicFile.WriteIfChanged(f, "new\n", keepBackup: true));   // same bytes: not rewritten
    }

    [Fact]
    public void A_new_file_gets_the_requested_mode()
    {
        using var dir = TestPaths.NewTempDir("hids-atomic");
        var f = dir.Combine("sub", "state.json");
        AtomicFile.Write(f, "{}", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("{}", File.ReadAllText(f));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
    }
}
