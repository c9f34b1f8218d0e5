using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Hids.Engine.ActiveResponse;

/// <summary>The outcome of one external program run.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut)
{
    public bool Success => ExitCode == 0 && !TimedOut;
    public string Describe() => TimedOut ? "timed out" : $"exit code {ExitCode}" + (string.IsNullOrWhiteSpace(StdErr) ? "" : ": " + StdErr.Trim());
}

/// <summary>
/// Runs programs with an argument vector (never a shell: UseShellExecute=false, ArgumentList), optional text on
/// stdin, a time limit, and the output captured. When a network namespace is set, firewall tools run as
/// <c>ip netns exec &lt;ns&gt; &lt;tool&gt; ...</c> (still an argument vector).
/// </summary>
public sealed class ProcessRunner
{
    private static readonly Regex NetnsName = new(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant);

    public ProcessRunner(string? networkNamespace = null, TimeSpan? timeout = null)
    {
        if (!string.IsNullOrEmpty(networkNamespace) && !IsValidNamespaceName(networkNamespace))
            throw new ArgumentException($"Invalid network namespace name '{networkNamespace}'.", nameof(networkNamespace));
        NetworkNamespace = string.IsNullOrEmpty(networkNamespace) ? null : networkNamespace;
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    public string? NetworkNamespace { get; }
    public TimeSpan Timeout { get; }

    public static bool IsValidNamespaceName(string name) => NetworkNamespace_IsValid(name);
    private static bool NetworkNamespace_IsValid(string name) => NetnsName.IsMatch(name) && name != "." && name != "..";

    /// <summary>Runs a firewall tool (nft, iptables, ipset), inside the configured network namespace if any.</summary>
    public ProcessResult RunTool(string toolPath, IEnumerable<string> args, string? stdin = null)
    {
        if (NetworkNamespace is null) return Run(toolPath, args, stdin);
        var ip = ToolLocator.Find("ip") ?? throw new InvalidOperationException("'ip' (iproute2) is required to run in a network namespace.");
        return Run(ip, new[] { "netns", "exec", NetworkNamespace, toolPath }.Concat(args), stdin);
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> as an argument vector.</summary>
    public ProcessResult Run(string file, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = "/",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null) foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { /* the program exited without reading its input */ }
        bool exited = p.WaitForExit((int)Timeout.TotalMilliseconds);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(2000);
            lock (stdout) lock (stderr) return new ProcessResult(-1, stdout.ToString(), stderr.ToString(), true);
        }
        p.WaitForExit(); // drain the async readers
        lock (stdout) lock (stderr) return new ProcessResult(p.ExitCode, stdout.ToString(), stderr.ToString(), false);
    }
}

/// <summary>Finds system tools on PATH and in the sbin folders (which a non-login PATH often lacks).</summary>
public static class ToolLocator
{
    private static readonly string[] Extra = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin" };

    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(Extra))
        {
            if (!Path.IsPathRooted(dir)) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
