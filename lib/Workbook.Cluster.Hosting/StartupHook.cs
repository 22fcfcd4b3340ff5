using System.Diagnostics;
using System.Runtime.Loader;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>), set by <see cref="Workbook.Cluster.Hosting.ClusterHosting"/> for
/// every worker of an app that does not reference these libraries: before the app's <c>Main</c>, it lets the app
/// load them from this assembly's folder, so that the hosting startup below can be found by name. Only names of
/// ours that the app itself cannot resolve are loaded from here; the app's own dependencies stay its own. And when
/// the app's host is built without having run that hosting startup (<c>WebApplication.CreateSlimBuilder</c>, or an
/// app that prevents hosting startups), the worker says so and exits, instead of serving a port of its own.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var folder = Path.GetDirectoryName(typeof(StartupHook).Assembly.Location)!;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            if (name.Name is not { } simple || !simple.StartsWith("Workbook.", StringComparison.Ordinal)) return null;
            var path = Path.Combine(folder, simple + ".dll");
            return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
        };
        DiagnosticListener.AllListeners.Subscribe(new Observer<DiagnosticListener>(listener =>
        {
            if (listener.Name == "Microsoft.Extensions.Hosting") listener.Subscribe(new Observer<KeyValuePair<string, object?>>(OnHostEvent));
        }));
    }

    private static void OnHostEvent(KeyValuePair<string, object?> e)
    {
        if (e.Key != "HostBuilt" || Workbook.Cluster.Hosting.ClusterHostingStartup.Ran) return;
        Console.Error.WriteLine("dotnet cluster: this app's host was built without running hosting startups " +
            "(WebApplication.CreateSlimBuilder does not run them, nor does an app that sets PreventHostingStartup), " +
            "so it cannot be made a cluster worker from outside: use WebApplication.CreateBuilder, or call UseClusterWorker() in the app.");
        Environment.Exit(3);
    }

    private sealed class Observer<T>(Action<T> onNext) : IObserver<T>
    {
        public void OnNext(T value) => onNext(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}
