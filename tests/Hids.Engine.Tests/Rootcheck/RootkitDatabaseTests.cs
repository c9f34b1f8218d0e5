using Hids.Engine.Core;
using Hids.Engine.Rootcheck;

namespace Hids.Engine.Tests.Rootcheck;

public sealed class RootkitDatabaseTests
{
    [Fact]
    public void Files_database_lines_are_parsed_and_bad_lines_reported_with_their_line()
    {
        var diags = new List<HidsDiagnostic>();
        var list = RootkitDatabases.ParseFiles(
            "# comment\n\nusr/src/.puta/ ! T0rn ::ref one\n*/.hidden ! Hider\nbroken line without bang\n ! nothing\n../etc/x ! Escape\n",
            "db.txt", diags);
        Assert.Equal(2, list.Count);
        Assert.Equal("usr/src/.puta/", list[0].Path);
        Assert.Equal("T0rn", list[0].Name);
        Assert.Equal("ref one", list[0].Reference);
        Assert.Equal(3, list[0].Line);
        Assert.True(list[1].AnySystemFolder);
        Assert.Null(list[1].Reference);
        Assert.Equal(new[] { 5, 6, 7 }, diags.Select(d => d.Line));
        Assert.All(diags, d => { Assert.Equal("db.txt", d.File); Assert.StartsWith("HIDS70", d.Code); Assert.NotNull(d.Hint); });
    }

    [Fact]
    public void Trojan_database_lines_are_parsed_and_bad_signatures_reported()
    {
        var diags = new List<HidsDiagnostic>();
        var list = RootkitDatabases.ParseTrojans(
            "ls   !^/usr/include/file\\.h$|duarawkz!  Trojaned ls\nps !(unclosed!\nnetstat no bangs\ntop !!\n", "t.txt", diags);
        Assert.Single(list);
        Assert.Equal("ls", list[0].Binary);
        Assert.Equal("^/usr/include/file\\.h$|duarawkz", list[0].Signature);
        Assert.Equal("Trojaned ls", list[0].Comment);
        Assert.Equal(new[] { 2, 3, 4 }, diags.Select(d => d.Line));
        Assert.Contains(diags, d => d.Code == "HIDS7013" && d.Message.Contains("does not compile"));
        foreach (var s in list) s.Dispose();
    }

    private static string Shipped(string name) => Path.Combine(TestPaths.ShippedRules, "rootcheck", name);

    [Fact]
    public void Shipped_databases_load_without_problems()
    {
        var diags = new List<HidsDiagnostic>();
        var files = RootkitDatabases.ParseFiles(File.ReadAllText(Shipped("rootkit_files.txt")), "rootkit_files.txt", diags);
        var sigs = RootkitDatabases.ParseTrojans(File.ReadAllText(Shipped("rootkit_trojans.txt")), "rootkit_trojans.txt", diags);
        Assert.Empty(diags);
        Assert.True(files.Count >= 60, $"{files.Count} rootkit file entries");
        Assert.True(sigs.Count >= 20, $"{sigs.Count} trojan signatures");
        foreach (var s in sigs) s.Dispose();
    }

    [Fact]
    public void No_shipped_trojan_signature_fires_on_the_real_binaries_of_this_machine()
    {
        var diags = new List<HidsDiagnostic>();
        var sigs = RootkitDatabases.ParseTrojans(File.ReadAllText(Shipped("rootkit_trojans.txt")), "rootkit_trojans.txt", diags);
        var scanner = new RootcheckScanner("/", new Hids.Engine.Configuration.RootcheckOptions());
        int binaries = 0;
        var fired = new List<string>();
        foreach (var sig in sigs)
        {
            foreach (var folder in RootcheckScanner.BinaryFolders)
            {
                string? real = scanner.Resolve(folder + "/" + sig.Binary);
                if (real is null || !File.Exists(real)) continue;
                binaries++;
                foreach (var s in RootcheckScanner.ExtractStrings(real))
                    if (sig.Regex!.IsMatch(s)) fired.Add($"{sig.Binary} ({real}): '{sig.Signature}' matches \"{s}\"");
            }
        }
        foreach (var s in sigs) s.Dispose();
        Assert.True(binaries >= 15, $"only {binaries} real binaries found to check the signatures against");
        Assert.True(fired.Count == 0, "signatures fire on genuine binaries:\n" + string.Join("\n", fired));
    }

    [Fact]
    public void No_shipped_rootkit_file_exists_on_this_machine()
    {
        var diags = new List<HidsDiagnostic>();
        var files = RootkitDatabases.ParseFiles(File.ReadAllText(Shipped("rootkit_files.txt")), "rootkit_files.txt", diags);
        var scanner = new RootcheckScanner("/", new Hids.Engine.Configuration.RootcheckOptions());
        var found = scanner.CheckFiles(files, null, default).ToList();
        Assert.True(found.Count == 0, string.Join("\n", found.Select(f => f.Message)));
    }
}
