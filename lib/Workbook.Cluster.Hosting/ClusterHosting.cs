using System.Text.Json.Nodes;

namespace Workbook.Cluster.Hosting;

/// <summary>What a primary passes to the workers of an unmodified ASP.NET Core app, and which apps qualify.</summary>
public static class ClusterHosting
{
    private const string HostingStartupVariable = "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES";
    private const string StartupHooksVariable = "DOTNET_STARTUP_HOOKS";

    /// <summary>Set to 1 in a worker's environment: every response carries <c>X-Worker-Pid</c> (which worker answered).</summary>
    public const string PidHeaderVariable = "WORKBOOK_CLUSTER_PID_HEADER";

    /// <summary>The .NET major version these libraries run on: an app must run on the same one.</summary>
    public static int RuntimeMajor { get; } = Environment.Version.Major;

    /// <summary>
    /// The variables that make a worker of <paramref name="appEnvironment"/>'s app a cluster worker (for
    /// <see cref="ClusterSettings.Env"/>): this assembly as a startup hook and as a hosting startup, added to any
    /// the app's environment already names; with <paramref name="pidHeader"/>, every response says which worker answered.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WorkerEnvironment(IReadOnlyDictionary<string, string>? appEnvironment = null, bool pidHeader = false)
    {
        var assembly = typeof(ClusterHosting).Assembly;
        string Added(string variable, string value, char separator) =>
            (appEnvironment?.GetValueOrDefault(variable) ?? Environment.GetEnvironmentVariable(variable)) is { Length: > 0 } existing
                ? existing + separator + value : value;
        var env = new Dictionary<string, string>(appEnvironment ?? new Dictionary<string, string>())
        {
            [StartupHooksVariable] = Added(StartupHooksVariable, assembly.Location, Path.PathSeparator),
            [HostingStartupVariable] = Added(HostingStartupVariable, assembly.GetName().Name!, ';'),
        };
        if (pidHeader) env[PidHeaderVariable] = "1";
        return env;
    }

    /// <summary>
    /// Why <paramref name="appDll"/> cannot be clustered, or null when it can: it must exist, be a framework-dependent
    /// .NET app (a .dll with a runtimeconfig.json) on ASP.NET Core, for the .NET these libraries run on.
    /// </summary>
    public static string? Problem(string appDll)
    {
        if (!File.Exists(appDll)) return $"no app at '{appDll}' (build it first?)";
        if (!appDll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) return $"'{appDll}' is not a .dll: give the app's built .dll or its project folder";
        var config = Path.ChangeExtension(appDll, ".runtimeconfig.json");
        if (!File.Exists(config)) return $"'{appDll}' has no {Path.GetFileName(config)} beside it: it is a library, not an app";
        JsonNode? options;
        try { options = JsonNode.Parse(File.ReadAllText(config))?["runtimeOptions"]; }
        catch (System.Text.Json.JsonException e) { return $"{config} is not valid JSON: {e.Message}"; }
        var frameworks = (options?["frameworks"] as JsonArray ?? []).Append(options?["framework"]).OfType<JsonObject>()
            .Select(f => (Name: f["name"]?.GetValue<string>() ?? "", Version: f["version"]?.GetValue<string>() ?? "")).ToList();
        if (frameworks.FirstOrDefault(f => f.Name == "Microsoft.AspNetCore.App") is not { Name.Length: > 0 } aspNet)
            return $"'{Path.GetFileName(appDll)}' is not an ASP.NET Core app (its runtimeconfig.json names no Microsoft.AspNetCore.App framework): only web apps can share a port";
        if (!int.TryParse(aspNet.Version.Split('.')[0], out var major) || major != RuntimeMajor)
            return $"'{Path.GetFileName(appDll)}' targets ASP.NET Core {aspNet.Version}; dotnet cluster runs apps for .NET {RuntimeMajor} (retarget it to net{RuntimeMajor}.0)";
        return null;
    }
}
