using System.Reflection;

namespace Hids.Bench;

/// <summary>One benchmark. Prints its measurements and ratios to stdout; returns 0 when it met its targets.</summary>
public interface IBench
{
    /// <summary>Short name used on the command line (e.g. "rules", "syscheck", "alerts").</summary>
    string Name { get; }
    string Description { get; }
    int Run(string[] args);
}

public static class Program
{
    public static int Main(string[] args)
    {
        var benches = Assembly.GetExecutingAssembly().GetTypes()
            .Where(t => typeof(IBench).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
            .Select(t => (IBench)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name).ToList();
        if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
        {
            Console.WriteLine("usage: Hids.Bench <name> [args]");
            foreach (var b in benches) Console.WriteLine($"  {b.Name,-12} {b.Description}");
            return args.Length == 0 ? 2 : 0;
        }
        var bench = benches.FirstOrDefault(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase));
        if (bench is null) { Console.Error.WriteLine($"unknown bench '{args[0]}'"); return 2; }
        return bench.Run(args[1..]);
    }
}
