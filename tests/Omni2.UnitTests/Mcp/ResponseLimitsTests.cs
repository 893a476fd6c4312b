using System.Net;
using System.Net.Http.Json;
using System.Text;
using ModelContextProtocol.Protocol;
using Omni2.Grains.Mcp;

namespace Omni2.UnitTests.Mcp;

public sealed class ResponseLimitsTests
{
    private static readonly UpstreamOptions Limits = new() { MaxToolResultBytes = 100, MaxToolListBytes = 80, MaxSchemaBytes = 10, MaxMessageBytes = 20 };

    /// <summary>Answers every request with <paramref name="body"/>, as the server would.</summary>
    private sealed class Answering(string body, string mediaType, bool declareLength = true) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpContent content = declareLength
                ? new StringContent(body, Encoding.UTF8, mediaType)
                : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
            content.Headers.ContentType = new(mediaType);
            content.Headers.ContentLength = declareLength ? content.Headers.ContentLength : null;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }

    private static async Task<string> ReadAsync(string body, string mediaType, string? method, bool declareLength = true, bool legacySse = false)
    {
        using var client = new HttpClient(new ResponseLimits(new Answering(body, mediaType, declareLength), Limits, legacySse));
        using var request = method is null
            ? new HttpRequestMessage(HttpMethod.Get, "http://mcp.test/mcp")
            : new HttpRequestMessage(HttpMethod.Post, "http://mcp.test/mcp")
            {
                Content = JsonContent.Create<JsonRpcMessage>(new JsonRpcRequest { Id = new RequestId(1), Method = method }),
            };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_tool_result_may_be_as_large_as_its_cap_and_no_larger()
    {
        Assert.Equal(100, (await ReadAsync(new string('x', 100), "application/json", "tools/call")).Length);

        var error = await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => ReadAsync(new string('x', 101), "application/json", "tools/call"));
        Assert.Equal("tool result too large: 101 bytes > 100 (Omni2:Upstream:MaxToolResultBytes)", error.Message);
    }

    [Fact]
    public async Task A_body_without_a_length_is_cut_off_at_its_cap()
    {
        var error = await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => ReadAsync(new string('x', 81), "application/json", "tools/list", declareLength: false));
        Assert.Equal("tool list too large: over 80 bytes in one response (Omni2:Upstream:MaxToolListBytes)", error.Message);
    }

    [Fact]
    public async Task Other_answers_get_the_message_cap() =>
        await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => ReadAsync(new string('x', 21), "application/json", "ping"));

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task An_event_stream_counts_each_event_not_the_stream(string newline)
    {
        var events = string.Concat(Enumerable.Repeat($"data: {new string('x', 10)}{newline}{newline}", 50));

        Assert.Equal(events.Length, (await ReadAsync(events, "text/event-stream", method: null)).Length);
    }

    [Fact]
    public async Task An_event_over_the_cap_fails_however_many_lines_it_spans()
    {
        var error = await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => ReadAsync("data: 12345\ndata: 12345\ndata: 12345\n\n", "text/event-stream", method: null));
        Assert.Equal("message too large: over 20 bytes in one server-sent event (Omni2:Upstream:MaxMessageBytes)", error.Message);
    }

    [Fact]
    public async Task The_legacy_sse_stream_carries_answers_so_its_events_get_the_largest_cap() =>
        Assert.NotEmpty(await ReadAsync($"data: {new string('x', 90)}\n\n", "text/event-stream", method: null, legacySse: true));
}
