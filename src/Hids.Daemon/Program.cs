// hidsd: the Hids monitor process. Start-HidsMonitor launches it detached; `hidsd --instance <folder> --foreground`
// runs it under systemd (Type=notify) or in a container. All behaviour is in Hids.Engine.Monitor.MonitorHost.
using System.Runtime.InteropServices;
using Hids.Engine.Core;
using Hids.Engine.Monitor;

namespace Hids.Daemon;

public static class Program
{
    private const string Component = "hidsd";
    public const int ExitOk = 0, ExitConfig = 1, ExitUsage = 2, ExitAlreadyRunning = 3, ExitFailure = 4;

    public static int Main(string[] args)
    {
        string? instance = null;
        bool foreground = false, testOnly = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--instance" or "-i" when i + 1 < args.Length: instance = args[++i]; break;
                case "--foreground" or "-f": foreground = true; break;
                case "--test" or "-t": testOnly = true; break;
                case "--version" or "-V": Console.WriteLine($"hidsd {MonitorHost.Version}"); return ExitOk;
                case "--help" or "-h":
                    Console.WriteLine("usage: hidsd --instance <folder> [--foreground] [--test]\n" +
                        "  --foreground  stay attached, log to stderr too (systemd Type=notify, containers)\n" +
                        "  --test        validate ossec.conf and the ruleset, print diagnostics, exit 0/1");
                    return ExitOk;
                default: Console.Error.WriteLine($"hidsd: unknown argument '{args[i]}' (see --help)"); return ExitUsage;
            }
        }
        UnixNative.RestrictFileCreationMask();
        var paths = InstancePaths.Resolve(instance);
        if (!File.Exists(paths.OssecConf))
        {
            Console.Error.WriteLine($"hidsd: no Hids instance at '{paths.Root}' (no etc/ossec.conf).");
            return ExitConfig;
        }
        var parts = MonitorParts.CreateDefault();
        if (testOnly)
        {
            var v = parts.Validate(paths);
            foreach (var d in v.Diagnostics) Console.Error.WriteLine(d.ToString());
            return v.HasErrors ? ExitConfig : ExitOk;
        }
        // A daemon leaves the starter's session at once: Ctrl+C in the starting terminal must not reach it.
        if (!foreground) UnixNative.NewSession();
        Directory.CreateDirectory(paths.VarRun);
        using var log = new OperationalLog(paths.OperationalLog) { Echo = foreground };
        // A daemon's stderr is /dev/null: a crash must leave its reason in ossec.log.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            log.Write(LogLevel.Critical, Component, "Unhandled exception; the monitor stops: " + e.ExceptionObject);
            MonitorControl.TryDelete(paths.PidFile);
        };
        return Run(paths, parts, log, foreground);
    }

    private static int Run(InstancePaths paths, MonitorParts parts, OperationalLog log, bool foreground)
    {
        // One monitor per instance: an exclusive lock held for the life of the process (released by the kernel on a crash).
        var lockFile = MonitorControl.TryAcquireLock(paths);
        if (lockFile is null)
        {
            var other = MonitorControl.ReadPid(paths);
            Console.Error.WriteLine($"hidsd: the monitor for '{paths.Root}' is already running{(other is null ? "" : $" (pid {other})")}.");
            return ExitAlreadyRunning;
        }
        using (lockFile)
        {
            MonitorControl.WritePidFile(paths, Environment.ProcessId);
            var host = new MonitorHost(paths, parts, log, new MonitorHostOptions { Foreground = foreground });
            var v = host.Start();
            foreach (var d in v.Diagnostics) Console.Error.WriteLine(d.ToString());
            if (v.HasErrors)
            {
                Console.Error.WriteLine("hidsd: configuration error; not started.");
                MonitorControl.TryDelete(paths.PidFile);
                host.WriteStatusStopped("Failed");
                return ExitConfig;
            }
            using var stopRequested = new ManualResetEventSlim(false);
            var regs = new List<PosixSignalRegistration>();
            foreach (var sig in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
                regs.Add(PosixSignalRegistration.Create(sig, ctx =>
                {
                    ctx.Cancel = true;
                    log.Info(Component, $"Received {ctx.Signal}; stopping.");
                    stopRequested.Set();
                }));
            if (!foreground) regs.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => ctx.Cancel = true));

            Console.Out.WriteLine($"hidsd: started, pid {Environment.ProcessId}");
            Console.Out.Flush();
            if (!foreground) UnixNative.DetachStdio(); // the starter sees EOF: we are up and need no terminal
            SdNotify.Send("READY=1\nSTATUS=Monitoring\nMAINPID=" + Environment.ProcessId);

            stopRequested.Wait();
            SdNotify.Send("STOPPING=1");
            // Bounded stop: if a part hangs, the process still ends (state written so far is kept).
            var watchdog = new Thread(() =>
            {
                Thread.Sleep(TimeSpan.FromSeconds(30));
                log.Error(Component, "Graceful stop took longer than 30 s; exiting now.");
                MonitorControl.TryDelete(paths.PidFile);
                Environment.Exit(ExitFailure);
            }) { IsBackground = true };
            watchdog.Start();
            host.Dispose();
            foreach (var r in regs) r.Dispose();
            MonitorControl.TryDelete(paths.PidFile);
            log.Info(Component, "Exited cleanly.");
            return ExitOk;
        }
    }
}
