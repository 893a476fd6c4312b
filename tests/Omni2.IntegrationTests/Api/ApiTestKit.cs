using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing.McpServer;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Api;

/// <summary>Small helpers the API tests share: JSON bodies, registration, problem checks.</summary>
public static class ApiTestKit
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A tool-call body; <paramref name="arguments"/> is raw JSON.</summary>
    public static StringContent Call(string server, string tool, string? arguments = null) =>
        Json($"{{\"server\":\"{server}\",\"tool\":\"{tool}\"" + (arguments is null ? "" : $",\"arguments\":{arguments}") + "}");

    public static string HttpServer(string name, Uri url, string extra = "", int intervalSeconds = 1) =>
        $$"""{"name":"{{name}}","transport":"streamable_http","url":"{{url}}","health_check_interval_seconds":{{intervalSeconds}},"check_timeout_seconds":2,"call_timeout_seconds":2{{extra}}}""";

    /// <summary>Registers through the admin API and returns the response (201 expected).</summary>
    public static async Task<HttpResponseMessage> RegisterAsync(this ApiHost host, string body)
    {
        using var admin = host.ClientAs("admin");
        return await admin.PostAsync("/api/v1/mcp/servers", Json(body));
    }

    /// <summary>Registers <paramref name="server"/> under a fresh name and waits until every given host's API shows it healthy.</summary>
    public static async Task<string> RegisterHealthyAsync(this ApiHost host, TestMcpServer server, string prefix, string extra = "", params ApiHost[] alsoOn)
    {
        var name = ClusterFixture.UniqueName(prefix);
        var created = await host.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint, extra));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var silo in alsoOn.Prepend(host))
        {
            using var admin = silo.ClientAs("admin");
            await admin.WaitForHealthAsync(name, "healthy");
        }
        return name;
    }

    public static async Task<JsonElement> JsonOfAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the status and a detail naming what was wrong.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, detail);
        }
        Assert.DoesNotContain("   at ", text); // never a stack trace
        return detail;
    }

    public static async Task<JsonElement> ServerViewAsync(this HttpClient client, string name)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/mcp/tools/servers");
        return list.GetProperty("servers").EnumerateArray().FirstOrDefault(s => s.GetProperty("name").GetString() == name);
    }

    public static Task<JsonElement> WaitForHealthAsync(this HttpClient client, string name, string status, TimeSpan? timeout = null) =>
        Eventually.MatchesAsync(
            () => client.ServerViewAsync(name),
            s => s.ValueKind == JsonValueKind.Object && s.GetProperty("health_status").GetString() == status,
            timeout ?? TimeSpan.FromSeconds(15),
            $"'{name}' to be {status} in the API");
}
