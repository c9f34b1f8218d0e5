using System.Management.Automation;

namespace Hids.PowerShell.Common;

/// <summary>Runs when the module is imported. Kept trivial: Import-Module Hids must stay fast.</summary>
public sealed class ModuleInit : IModuleAssemblyInitializer
{
    public void OnImport() { }
}
