using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Workbook.LoadTesting;
using Workbook.Testing;

namespace Workbook.Notebooks.Tests;

/// <summary>The view of a real session run against an in-process server that forgets every other login of each user.</summary>
public class SessionViewTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private SessionLoadResult _result = null!;

    public async Task InitializeAsync()
    {
        // Users are named u<client>-<n>: every client's odd-numbered logins are forgotten.
        _server = await TestServer.StartAsync(app =>
        {
            app.MapPost("/login", (HttpContext c, string user) =>
            {
                c.Response.Cookies.Append("sid", user + (int.Parse(user[(user.IndexOf('-') + 1)..]) % 2 == 1 ? ":forgotten" : ""));
                return "ok";
            });
            app.MapGet("/profile", (HttpContext c) => c.Request.Cookies["sid"] is { } sid && !sid.EndsWith(":forgotten")
                ? Results.Text($"Profile of {sid}") : Results.StatusCode(401));
        });
        var run = SessionLoadRunner.Start(new SessionLoadTest { Label = "forgetful", Url = _server.Url, Clients = 2, Duration = TimeSpan.FromSeconds(2), RequestsPerLogin = 4 });
        await Task.Delay(500);
        run.Mark("halfway");
        _result = await run.Completion;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void The_summary_names_the_losses_and_carries_the_timeline()
    {
        var html = SessionView.Html(_result);

        Assert.Contains("<b>forgetful</b>", html);
        Assert.Contains("then up to 4 pages each", html);
        Assert.Contains($"{_result.SessionsLost:N0} ({_result.SessionLossRate:P1})", html);
        Assert.Contains("2 of 2 lost their login at least once", html);
        Assert.Contains("s halfway", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.True(_result.SessionsLost > 0 && _result.PagesOk > 0);
    }

    [Fact]
    public void Grouped_bars_need_one_value_per_group()
    {
        var plot = Charts.GroupedBars("t", "%", ["a", "b"], [("x", [1, 2]), ("y", [3, 4])]);
        Assert.Equal(2, plot.GetPlottables().Count());
        var error = Assert.Throws<ArgumentException>(() => Charts.GroupedBars("t", "%", ["a", "b"], [("x", [1])]));
        Assert.Contains("one value per group", error.Message);
    }
}
