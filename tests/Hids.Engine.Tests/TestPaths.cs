namespace Hids.Engine.Tests;

/// <summary>Locates the repository root and the shared conformance data beside it (../shared).</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared beside the project root (CI has it too). Tests read it; nothing is copied.</summary>
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("HIDS_SHARED");
            if (!string.IsNullOrEmpty(env)) return env;
            return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        }
    }

    public static string Conformance => Path.Combine(Shared, "conformance");
    public static string ShippedRules => Path.Combine(RepoRoot, "rules");

    /// <summary>A new empty folder under the temp directory, removed by the caller's Dispose.</summary>
    public static TempDir NewTempDir(string prefix = "hids-test") => new(prefix);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hids.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Hids.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed class TempDir : IDisposable
{
    public TempDir(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(Path);
    }
    public string Path { get; }
    public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());
    public override string ToString() => Path;
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
