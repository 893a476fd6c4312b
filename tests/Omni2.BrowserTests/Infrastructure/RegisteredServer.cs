using System.Net;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.Testing.ApiRequests;

namespace Omni2.BrowserTests.Infrastructure;

/// <summary>A real MCP server registered through the admin API under a fresh name, healthy before the test looks; deleted afterwards.</summary>
public sealed class RegisteredServer : IAsyncDisposable
{
    private readonly ApiHost _host;

    private RegisteredServer(ApiHost host, string name, TestMcpServer server)
    {
        _host = host;
        Name = name;
        Server = server;
    }

    public string Name { get; }

    public TestMcpServer Server { get; }

    /// <param name="extra">More registration fields, as JSON text starting with a comma.</param>
    public static async Task<RegisteredServer> StartAsync(ApiHost host, string prefix, string extra = "")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var server = await TestMcpServer.StartAsync();
        var response = await host.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint, extra));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"registering {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var admin = host.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");
        return new RegisteredServer(host, name, server);
    }

    public async ValueTask DisposeAsync()
    {
        using var admin = _host.ClientAs("admin");
        await admin.DeleteAsync($"/api/v1/mcp/servers/{Name}");
        await Server.DisposeAsync();
    }
}
