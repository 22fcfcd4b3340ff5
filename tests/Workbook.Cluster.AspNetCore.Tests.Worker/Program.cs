using Workbook.Cluster;
using Workbook.Cluster.AspNetCore.Tests.Worker;

// A cluster worker for the tests, in two kinds: "kestrel" (an ASP.NET Core app made a worker by UseClusterWorker)
// or "plain" (plain sockets on ClusterChild alone, no Kestrel). Both answer GET / and GET /slow?ms=N with their pid
// (X-Worker-Pid), and tell the primary when a request starts ({ request, pid }), so a test knows which worker has it.
if (ClusterChild.Current is not { } child)
{
    Console.Error.WriteLine("Run me as a cluster worker: a ClusterPrimary forks me.");
    return 2;
}
return args.FirstOrDefault() switch
{
    "kestrel" => await KestrelWorker.RunAsync(),
    "plain" => await PlainWorker.RunAsync(child),
    var kind => Usage(kind),
};

static int Usage(string? kind)
{
    Console.Error.WriteLine($"Unknown kind '{kind}': kestrel or plain.");
    return 2;
}
