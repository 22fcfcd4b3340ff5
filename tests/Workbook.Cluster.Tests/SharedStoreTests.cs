using System.Text.Json;

namespace Workbook.Cluster.Tests;

/// <summary>The primary's store itself, in this process; its use from workers is in Workbook.Examples.Tests (SessionsExampleTests).</summary>
public class SharedStoreTests
{
    [Fact]
    public async Task Get_set_delete_and_increment_behave_like_a_key_value_store()
    {
        using var store = new SharedStore();
        Assert.Null(store.Get("missing"));
        store.Set("name", "ada");
        Assert.Equal("ada", store.Get("name"));
        Assert.Equal(1, store.Increment("count"));
        Assert.Equal(11, store.Increment("count", 10));
        Assert.Equal("11", store.Get("count"));
        Assert.True(store.Delete("name"));
        Assert.False(store.Delete("name"));
        Assert.Equal(["count"], store.Keys);

        var error = Assert.Throws<SharedStoreException>(() => { store.Set("text", "abc"); store.Increment("text"); });
        Assert.Contains("'text' is not an integer", error.Message);

        ISharedStore asInterface = store;
        Assert.Equal(12, await asInterface.IncrementAsync("count"));
    }

    [Fact]
    public async Task Increments_from_many_threads_add_up_exactly()
    {
        using var store = new SharedStore();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++) store.Increment("hits");
        })));
        Assert.Equal("80000", store.Get("hits"));
    }

    [Fact]
    public async Task Keys_expire_and_a_sliding_expiry_is_renewed_by_reads()
    {
        using var store = new SharedStore();
        // Margins wide enough for a busy machine: reads every 100 ms keep alive a key that slides by 1.5 s.
        store.Set("fixed", "x", StoreExpiry.In(TimeSpan.FromMilliseconds(500)));
        store.Set("sliding", "y", StoreExpiry.SlidingBy(TimeSpan.FromMilliseconds(1500)));
        store.Set("forever", "z");
        store.Set("centuries", "w", StoreExpiry.In(TimeSpan.MaxValue)); // far away, not overflowed into the past
        var until = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            Assert.Equal("y", store.Get("sliding"));
        }
        Assert.Null(store.Get("fixed"));
        Assert.Equal("z", store.Get("forever"));
        Assert.Equal("w", store.Get("centuries"));
        await Task.Delay(2000);
        Assert.Null(store.Get("sliding"));
        Assert.False(store.Refresh("sliding"));
        Assert.Equal(["centuries", "forever"], store.Keys.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Set("bad", "v", StoreExpiry.In(TimeSpan.Zero)));
    }

    [Fact]
    public void Malformed_requests_get_an_error_reply_that_names_the_problem()
    {
        using var store = new SharedStore();
        string Serve(string json) => System.Text.Encoding.UTF8.GetString(store.Serve(JsonDocument.Parse(json).RootElement).Utf8Json);

        Assert.Contains("no numeric \\u0022id\\u0022", Serve("""{"op":"get","key":"k"}"""));
        Assert.Contains("Unknown store operation \\u0027drop\\u0027", Serve("""{"id":1,"op":"drop","key":"k"}"""));
        Assert.Contains("has no \\u0022key\\u0022", Serve("""{"id":2,"op":"get"}"""));
        Assert.Contains("has no \\u0022value\\u0022", Serve("""{"id":3,"op":"set","key":"k"}"""));
        Assert.Contains("expiry must be positive", Serve("""{"id":4,"op":"set","key":"k","value":"v","expiryMs":-5}"""));
        Assert.Contains("expiry must be positive", Serve("""{"id":4,"op":"set","key":"k","value":"v","expiryMs":0.00001}"""));
        Assert.Contains("must be a number of milliseconds", Serve("""{"id":4,"op":"set","key":"k","value":"v","expiryMs":"1000"}"""));
        Assert.Contains("must be a whole number", Serve("""{"id":4,"op":"incr","key":"n","by":1.5}"""));
        Assert.Contains("must be a whole number", Serve("""{"id":4,"op":"incr","key":"n","by":"2"}"""));
        Assert.Contains("\"number\":5", Serve("""{"id":5,"op":"incr","key":"n","by":5}"""));
        store.Set("big", long.MaxValue.ToString());
        Assert.Contains("overflows", Serve("""{"id":6,"op":"incr","key":"big"}"""));
        Assert.DoesNotContain("error", Serve("""{"id":7,"op":"set","key":"later","value":"v","expiryMs":1e300}"""));
        Assert.Equal("v", store.Get("later"));
        Assert.Equal(3, store.Count);
    }
}
