using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Omni2.Benchmarks;

/// <summary>What the detection benchmarks do through a host's REST API: a tool call, and watching for a status to change.</summary>
public static class RestProbes
{
    public static async Task<HttpResponseMessage> CallEchoAsync(HttpClient client, string server, string message) =>
        await client.PostAsJsonAsync("/api/v1/mcp/tools/call", new { server, tool = "echo", arguments = new { message } });

    /// <summary>Polls <paramref name="isDown"/> every <paramref name="interval"/>; returns when the first answer saying so arrived (null: not within <paramref name="patience"/>).</summary>
    public static async Task<DateTimeOffset?> FirstSeenAsync(Func<Task<bool>> isDown, TimeSpan patience, TimeSpan interval)
    {
        var deadline = DateTimeOffset.UtcNow + patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await isDown())
            {
                return DateTimeOffset.UtcNow;
            }
            await Task.Delay(interval);
        }
        return null;
    }

    /// <summary>
    /// Polls <c>GET /api/v1/mcp/status</c> the way a polling client does, with <c>If-None-Match</c>:
    /// a 304 costs the host little, so the poller disturbs what it measures less. True once
    /// <paramref name="server"/> is no longer healthy there.
    /// </summary>
    public static Func<Task<bool>> ListPoller(HttpClient viewer, string server)
    {
        EntityTagHeaderValue? etag = null;
        return async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/mcp/status");
            if (etag is not null)
            {
                request.Headers.IfNoneMatch.Add(etag);
            }
            using var response = await viewer.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return false;
            }
            response.EnsureSuccessStatusCode();
            etag = response.Headers.ETag;
            var list = await response.Content.ReadFromJsonAsync<JsonElement>();
            return list.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == server)
                .GetProperty("health_status").GetString() != "healthy";
        };
    }
}
