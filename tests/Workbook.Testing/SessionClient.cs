using System.Net;
using Xunit;

namespace Workbook.Testing;

/// <summary>One browser: its own cookies (or none), a new connection for every request (so each can reach another worker), who answered.</summary>
public sealed class SessionClient : IDisposable
{
    private readonly Uri _url;
    private readonly CookieContainer _jar = new();
    private readonly HttpClient _client;

    public SessionClient(Uri url, bool cookies = true)
    {
        _url = url;
        _client = new HttpClient(new SocketsHttpHandler { CookieContainer = _jar, UseCookies = cookies, UseProxy = false }) { BaseAddress = url };
    }

    /// <summary>An answer: the worker's pid; behind examples/Proxy also the instance and "instance/pid".</summary>
    public sealed record Page(HttpStatusCode Status, string Pid, string Body, string Instance, string ServedBy);

    /// <summary>examples/Proxy's affinity cookie: which backend this client sticks to (hashed).</summary>
    public string? AffinityCookie => _jar.GetCookies(_url)["WorkbookProxyAffinity"]?.Value;

    public async Task<Page> LoginAsync(string user)
    {
        var page = await SendAsync(HttpMethod.Post, $"/login?user={user}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        return page;
    }

    public async Task<List<Page>> PagesAsync(int count)
    {
        var pages = new List<Page>();
        for (int i = 0; i < count; i++) pages.Add(await SendAsync(HttpMethod.Get, "/profile"));
        return pages;
    }

    public Task<Page> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public async Task<Page> SendAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.ConnectionClose = true;
        using var response = await _client.SendAsync(request);
        string Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.First() : "";
        return new Page(response.StatusCode, Header("X-Worker-Pid"), await response.Content.ReadAsStringAsync(), Header("X-Instance"), Header("X-Served-By"));
    }

    public void Dispose() => _client.Dispose();
}
