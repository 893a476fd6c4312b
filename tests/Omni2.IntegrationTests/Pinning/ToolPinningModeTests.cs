using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;
using static Omni2.IntegrationTests.Pinning.ToolPinningTests;

namespace Omni2.IntegrationTests.Pinning;

/// <summary>
/// Pinning's other modes, on the embedded default (its pins in memory), and enforced pins across a
/// restart of the whole cluster on PostgreSQL, against the real MCP server that redefines a tool.
/// </summary>
public sealed class ToolPinningModeTests : IAsyncLifetime
{
    private TestMcpServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestMcpServer.StartAsync();
        await _server.DefineToolAsync("drift", "Reads a file.", Schema("path"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ApiHost Embedded(string pinning) => ApiHost.Embedded(new Dictionary<string, string?>
    {
        ["Omni2:Servers:0:Enabled"] = "false",
        ["Omni2:Tools:Pinning"] = pinning,
    });

    private async Task<string> RegisterAsync(ApiHost host)
    {
        var name = await host.RegisterHealthyAsync(_server, "mode");
        await WaitForToolsAsync(host, name, t => t.Contains("drift"), "the tool listed");
        return name;
    }

    private static async Task<JsonElement> DriftPinAsync(ApiHost host, string name)
    {
        using var admin = host.ClientAs("admin");
        var pins = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}/tools");
        return pins.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "drift");
    }

    private static async Task<HttpResponseMessage> CallDriftAsync(ApiHost host, string name)
    {
        using var operatorClient = host.ClientAs("operator");
        return await operatorClient.PostAsync("/api/v1/mcp/tools/call", Call(name, "drift", """{"path":"x"}"""));
    }

    [Fact]
    public async Task Under_warn_a_changed_tool_stays_listed_and_callable_while_admins_are_told_and_it_shows_pending()
    {
        await using var host = Embedded("warn");
        host.StartServer();
        var name = await RegisterAsync(host);
        await using var admin = await RealtimeClient.ConnectAsync(host, host.Token("admin"));

        await RugPullAsync(_server);

        var pushed = await Eventually.MatchesAsync(
            () => Task.FromResult(admin.Events().Where(e => e.GetProperty("type").GetString() == "tool_definition_changed").ToList()),
            e => e.Count > 0, TimeSpan.FromSeconds(20), "tool_definition_changed under warn");
        var pin = await Eventually.MatchesAsync(() => DriftPinAsync(host, name), p => p.GetProperty("state").GetString() == "pending", TimeSpan.FromSeconds(20), "the change pending");
        Assert.Contains("still served", pushed.Single().GetProperty("reason").GetString());
        Assert.Contains("drift", await ToolNamesAsync(host, name));
        Assert.Equal(HttpStatusCode.OK, (await CallDriftAsync(host, name)).StatusCode);
        Assert.NotEqual(JsonValueKind.Null, pin.GetProperty("presented").ValueKind);
    }

    [Fact]
    public async Task Off_serves_a_changed_tool_and_tells_no_one()
    {
        await using var host = Embedded("off");
        host.StartServer();
        var name = await RegisterAsync(host);
        await using var admin = await RealtimeClient.ConnectAsync(host, host.Token("admin"));

        await RugPullAsync(_server);

        var pin = await Eventually.MatchesAsync(
            () => DriftPinAsync(host, name),
            p => p.GetProperty("presented").GetProperty("input_schema").GetProperty("properties").TryGetProperty("send_to", out _),
            TimeSpan.FromSeconds(20), "the changed definition served");
        Assert.Equal("unpinned", pin.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, pin.GetProperty("approved").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await CallDriftAsync(host, name)).StatusCode);
        Assert.DoesNotContain(admin.Events(), e => e.GetProperty("type").GetString() == "tool_definition_changed");
    }

    [Fact]
    public async Task Enforced_pins_survive_a_restart_of_the_cluster()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-pins-{Guid.NewGuid():N}";
        string name;
        await using (var first = new ApiHost(database.ConnectionString, serviceId))
        {
            first.StartServer();
            name = await RegisterAsync(first);
        }

        await RugPullAsync(_server);
        await using var second = new ApiHost(database.ConnectionString, serviceId);
        second.StartServer();

        using var admin = second.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");
        var pin = await Eventually.MatchesAsync(() => DriftPinAsync(second, name), p => p.GetProperty("state").GetString() == "pending", TimeSpan.FromSeconds(20), "the change judged against the pins kept");
        Assert.Equal("Reads a file.", pin.GetProperty("approved").GetProperty("description").GetString());
        Assert.DoesNotContain("drift", await ToolNamesAsync(second, name));
        Assert.Equal(HttpStatusCode.Conflict, (await CallDriftAsync(second, name)).StatusCode);
    }
}
