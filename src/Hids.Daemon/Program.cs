// hidsd: the Hids monitor process. Start-HidsMonitor launches it; `hidsd --instance <folder> --foreground` runs it
// under systemd or in a container.
namespace Hids.Daemon;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("hidsd: the monitor host is not implemented yet.");
        return 2;
    }
}
