using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing.McpServer;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Api;

/// <summary>Small helpers the API tests share: tool-call bodies, problem checks (requests every project makes are in <see cref="ApiRequests"/>).</summary>
public static class ApiTestKit
{
    /// <summary>A tool-call body; <paramref name="arguments"/> is raw JSON.</summary>
    public static StringContent Call(string server, string tool, string? arguments = null) =>
        Json($"{{\"server\":\"{server}\",\"tool\":\"{tool}\"" + (arguments is null ? "" : $",\"arguments\":{arguments}") + "}");

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

    /// <summary>An official C# SDK client of <paramref name="host"/>'s <c>/mcp</c> with <paramref name="role"/>'s token.</summary>
    public static async Task<McpClient> McpClientAsync(this ApiHost host, string role, McpClientOptions? options = null)
    {
        var http = host.ClientAs(role);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            EnableStandaloneGetStream = true,
        }, http, null, ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, options);
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
}
