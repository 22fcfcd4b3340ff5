// A .NET startup hook (DOTNET_STARTUP_HOOKS), set by ChildProcess.Fork: it runs in the forked child before its
// Main and opens the channel to the parent, so the child exits when the parent goes away whatever its code does.
internal static class StartupHook
{
    public static void Initialize() => Workbook.Processes.ParentProcess.Initialize();
}
