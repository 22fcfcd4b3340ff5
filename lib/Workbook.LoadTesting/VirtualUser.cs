using System.Net;
using System.Net.Sockets;

namespace Workbook.LoadTesting;

/// <summary>
/// One client of a session run: logs in as a new visitor, requests the page with the session's cookies until the
/// session is lost or the pages are done, then starts over. It has its own handler and cookie jar, so no cookie
/// or connection is shared between clients.
/// </summary>
internal sealed class VirtualUser : IDisposable
{
    private const int SolIp = 0, IpBindAddressNoPort = 24; // <linux/in.h>

    private readonly int _index;
    private readonly SessionLoadRun _run;
    private readonly SessionLoadTest _test;
    private readonly SessionRecorder _recorder;
    private readonly IPEndPoint _target;
    private readonly IPAddress? _source;
    private readonly Uri _pageUrl;
    private readonly CookieContainer _jar = new();
    private readonly HttpClient _http;
    private Answer? _lostBy; // the 401 that ended the current session, if one did

    public VirtualUser(int index, SessionLoadRun run, SessionRecorder recorder, IPEndPoint target)
    {
        _index = index;
        _run = run;
        _test = run.Test;
        _recorder = recorder;
        _target = target;
        _source = _test.SourceAddresses.Count > 0 ? _test.SourceAddresses[index % _test.SourceAddresses.Count] : null;
        _pageUrl = new Uri(_test.Url, _test.PagePath);
        var handler = new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = _jar,
            AllowAutoRedirect = false,          // a redirect is an answer to count, not to follow
            UseProxy = false,                   // loopback load must not go through an HTTP_PROXY from the environment
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _test.Timeout,
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }; // the per-request token bounds each request
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Workbook.LoadTesting");
    }

    /// <summary>Logs in and makes page requests until the run stops issuing.</summary>
    public async Task RunAsync()
    {
        for (long n = 0; _run.TryStartLogin(); n++)
        {
            var name = $"u{_index}-{n}";
            ForgetCookies();
            var began = _recorder.Elapsed;
            if (await LogInAsync(name).ConfigureAwait(false) is not { } loggedInBy)
            {
                await ThinkAsync().ConfigureAwait(false); // a failed login is an answer too: no retry storm
                continue;
            }
            _lostBy = null;
            for (int page = 0; page < _test.RequestsPerLogin && !_run.Stopping; page++)
            {
                await ThinkAsync().ConfigureAwait(false);
                if (_run.Stopping || !await RequestPageAsync(name).ConfigureAwait(false)) break;
            }
            _recorder.SessionEnded(new SessionTrace(_index, began, _recorder.Elapsed, loggedInBy.Attribution, _lostBy is not null, _lostBy?.Attribution));
            await ThinkAsync().ConfigureAwait(false);
        }
    }

    private async Task ThinkAsync()
    {
        if (_test.ThinkTime <= TimeSpan.Zero) return;
        try
        {
            await Task.Delay(_test.ThinkTime, _run.StoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The run stopped issuing while this user was thinking.
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A new visitor: no session and no affinity cookie from the last one, so the login can be routed afresh.</summary>
    private void ForgetCookies()
    {
        foreach (Cookie cookie in _jar.GetAllCookies()) cookie.Expired = true; // the jar drops expired cookies
    }

    /// <summary>Logs in; the answer when it succeeded, null when it did not.</summary>
    private async Task<Answer?> LogInAsync(string name)
    {
        var separator = _test.LoginPath.Contains('?') ? '&' : '?';
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_test.Url, $"{_test.LoginPath}{separator}user={name}"))
        {
            Content = new ByteArrayContent([]), // Content-Length: 0
        };
        _recorder.LoginSent();
        if (await SendAsync(request, login: true).ConfigureAwait(false) is not { } answer) return null;
        if (answer.IsSuccess)
        {
            _recorder.LoggedIn();
            return answer;
        }
        _recorder.Failed(FailureReason.Status, login: true, answer.Status);
        return null;
    }

    /// <summary>One page request; false when the session is over (lost, or the run ended).</summary>
    private async Task<bool> RequestPageAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _pageUrl);
        _recorder.PageSent();
        if (await SendAsync(request, login: false).ConfigureAwait(false) is not { } answer)
            return !_run.Abandoning; // a broken connection need not mean a lost session: go on
        if (answer.IsSuccess) _recorder.PageOk(Mentions(answer.Body, name), answer.Attribution);
        else if (answer.Status == 401)
        {
            _recorder.PageLost(_index, answer.Attribution);
            _lostBy = answer;
        }
        else _recorder.Failed(FailureReason.Status, login: false, answer.Status, answer.Attribution);
        return answer.Status != 401;
    }

    private sealed record Answer(int Status, string Body, string? Attribution)
    {
        public bool IsSuccess => Status is >= 200 and < 300;
    }

    /// <summary>Sends a request and reads the answer; null when it failed (counted here) or was abandoned at the end of the run.</summary>
    private async Task<Answer?> SendAsync(HttpRequestMessage request, bool login)
    {
        if (_test.NewConnectionPerRequest) request.Headers.ConnectionClose = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_run.Abandon);
        timeout.CancelAfter(_test.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var attribution = _test.AttributeBy is { } header && response.Headers.TryGetValues(header, out var values)
                ? string.Join(",", values) : null;
            return new Answer((int)response.StatusCode, body, attribution);
        }
        catch (Exception) when (_run.Abandoning)
        {
            _recorder.Abandoned();
            return null;
        }
        catch (OperationCanceledException)
        {
            _recorder.Failed(FailureReason.Timeout, login);
            return null;
        }
        catch (Exception e)
        {
            _recorder.Failed(FailureReasons.Classify(e), login);
            return null;
        }
    }

    /// <summary>Opens each connection: from this client's source address, if it has one.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_source is not null)
            {
                // Let connect() choose the port, as for an unbound socket, so fast reconnects reuse ports as they would without a source address.
                if (_source.AddressFamily == AddressFamily.InterNetwork) socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(_source, 0));
            }
            await socket.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The body names this user: the name, not followed or preceded by a letter or digit (u3-1 is not in u3-10).</summary>
    internal static bool Mentions(string body, string name)
    {
        for (int at = body.IndexOf(name, StringComparison.Ordinal); at >= 0; at = body.IndexOf(name, at + 1, StringComparison.Ordinal))
        {
            var end = at + name.Length;
            if ((at == 0 || !char.IsLetterOrDigit(body[at - 1])) && (end == body.Length || !char.IsLetterOrDigit(body[end]))) return true;
        }
        return false;
    }
}
