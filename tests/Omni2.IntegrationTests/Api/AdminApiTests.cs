using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>Registration and operation of servers through the admin API.</summary>
[Collection("api")]
public sealed class AdminApiTests(ApiFixture fixture)
{
    private const string ApiKey = "sk-very-secret-4711";
    private const string EnvSecret = "env-secret-0815";

    [Fact]
    public async Task Register_returns_201_with_location_and_a_duplicate_name_is_409()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("reg");

        var created = await fixture.A.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/mcp/servers/{name}", created.Headers.Location?.ToString());
        Assert.Equal(name, (await JsonOfAsync(created)).GetProperty("name").GetString());

        var duplicate = await fixture.B.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint));
        await AssertProblemAsync(duplicate, HttpStatusCode.Conflict, name);
        Assert.Equal(1, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM omni2.mcp_servers WHERE name = $1", name));
    }

    [Fact]
    public async Task Secrets_are_stored_and_used_but_never_returned()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("secret");
        var created = await fixture.A.RegisterAsync(HttpServer(name, server.StreamableHttpEndpoint, $$""","headers":{"X-Api-Key":"{{ApiKey}}"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var admin = fixture.A.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");

        Assert.Equal(ApiKey, await fixture.Database.ScalarAsync<string>("SELECT headers->>'X-Api-Key' FROM omni2.mcp_servers WHERE name = $1", name));
        var bodies = new List<string> { await created.Content.ReadAsStringAsync() };
        foreach (var path in new[]
        {
            $"/api/v1/mcp/servers/{name}", "/api/v1/mcp/tools/servers", "/api/v1/mcp/status",
            "/api/v1/mcp/tools/capabilities", $"/api/v1/mcp/servers/{name}/health-log", "/openapi/v1.json",
        })
        {
            bodies.Add(await admin.GetStringAsync(path));
        }
        bodies.Add(await (await admin.PostAsync($"/api/v1/mcp/servers/{name}/reset", null)).Content.ReadAsStringAsync());

        Assert.All(bodies, body => Assert.DoesNotContain(ApiKey, body));
        var detail = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}");
        Assert.Equal("***", detail.GetProperty("headers").GetProperty("X-Api-Key").GetString());
    }

    [Fact]
    public async Task Credentials_in_a_url_query_and_in_arguments_are_used_but_never_returned()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("keyed");
        var url = new Uri(server.StreamableHttpEndpoint + $"?region=eu&api_key={ApiKey}");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(name, url))).StatusCode);
        using var admin = fixture.A.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");
        var stdio = ClusterFixture.UniqueName("argued");
        var body = JsonSerializer.Serialize(new { name = stdio, transport = "stdio", command = "node", args = new[] { "server.js", $"--token={ApiKey}", "--api-key", ApiKey, "--port", "8080" }, enabled = false });
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/mcp/servers", Json(body))).StatusCode);

        Assert.Equal(url.ToString(), await fixture.Database.ScalarAsync<string>("SELECT url FROM omni2.mcp_servers WHERE name = $1", name));
        var keyed = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}");
        var argued = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{stdio}");

        Assert.Equal(server.StreamableHttpEndpoint + "?region=eu&api_key=***", keyed.GetProperty("url").GetString());
        Assert.Equal(["server.js", "--token=***", "--api-key", "***", "--port", "8080"], argued.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.DoesNotContain(ApiKey, keyed.GetRawText() + argued.GetRawText());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/mcp/servers/{stdio}")).StatusCode);
    }

    [Fact]
    public async Task Stdio_servers_need_an_allowed_command_and_keep_env_secret()
    {
        var name = ClusterFixture.UniqueName("stdio");
        using var admin = fixture.A.ClientAs("admin");

        var refused = await admin.PostAsync("/api/v1/mcp/servers", Json($$"""{"name":"{{name}}","transport":"stdio","command":"/bin/sh","args":["-c","id"]}"""));
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "allow list");

        var (command, args) = EverythingServer.StdioCommand;
        var body = JsonSerializer.Serialize(new { name, transport = "stdio", command, args, env = new Dictionary<string, string> { ["DEMO_TOKEN"] = EnvSecret } });
        var created = await admin.PostAsync("/api/v1/mcp/servers", Json(body));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await admin.WaitForHealthAsync(name, "healthy", TimeSpan.FromSeconds(30));
        var detail = await admin.GetStringAsync($"/api/v1/mcp/servers/{name}");
        Assert.DoesNotContain(EnvSecret, detail);
        Assert.Contains("\"DEMO_TOKEN\":\"***\"", detail);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/mcp/servers/{name}")).StatusCode);
    }

    [Fact]
    public async Task Replace_reconnects_and_a_name_mismatch_is_rejected()
    {
        await using var first = await TestMcpServer.StartAsync();
        await using var second = await TestMcpServer.StartAsync();
        await second.AddToolAsync("second_only");
        var name = ClusterFixture.UniqueName("put");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(HttpServer(name, first.StreamableHttpEndpoint))).StatusCode);
        using var admin = fixture.B.ClientAs("admin");
        await admin.WaitForHealthAsync(name, "healthy");

        var mismatch = await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer("other-name", second.StreamableHttpEndpoint)));
        await AssertProblemAsync(mismatch, HttpStatusCode.BadRequest, "renamed");

        var replaced = await admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, second.StreamableHttpEndpoint)));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var detail = await Eventually.MatchesAsync(
            () => admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}"),
            d => d.GetProperty("tools").EnumerateArray().Any(t => t.GetProperty("name").GetString() == "second_only"),
            TimeSpan.FromSeconds(10),
            "the tools of the new address");
        Assert.Equal(second.StreamableHttpEndpoint.ToString(), detail.GetProperty("url").GetString());

        await AssertProblemAsync(await admin.PutAsync("/api/v1/mcp/servers/not-registered", Json(HttpServer("not-registered", second.StreamableHttpEndpoint))), HttpStatusCode.NotFound, "not-registered");
    }

    [Fact]
    public async Task A_reconfiguration_waiting_on_a_hung_server_never_holds_up_another_registration()
    {
        await using var first = await TestMcpServer.StartAsync();
        await using var hung = await TestMcpServer.StartAsync();
        await using var other = await TestMcpServer.StartAsync();
        hung.Mode = TestServerMode.Hang;
        var name = await fixture.A.RegisterHealthyAsync(first, "hungput");
        using var admin = fixture.A.ClientAs("admin");

        // The new address reaches the server differently: its grain reconnects there, and waits on it.
        var replacing = admin.PutAsync($"/api/v1/mcp/servers/{name}", Json(HttpServer(name, hung.StreamableHttpEndpoint, ""","connect_timeout_seconds":600""")));
        await Eventually.MatchesAsync(() => Task.FromResult(hung.RequestCount), n => n > 0, TimeSpan.FromSeconds(30), "the reconnect to the hung server under way");

        var registered = await fixture.A.RegisterAsync(HttpServer(ClusterFixture.UniqueName("beside"), other.StreamableHttpEndpoint)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.False(replacing.IsCompleted);
        hung.Mode = TestServerMode.Normal;
        Assert.Equal(HttpStatusCode.OK, (await replacing.WaitAsync(TimeSpan.FromSeconds(60))).StatusCode);
    }

    [Fact]
    public async Task Delete_removes_the_server_from_every_silo()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "del", alsoOn: fixture.B);
        using var viewerB = fixture.B.ClientAs("viewer");
        using var admin = fixture.A.ClientAs("admin");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/mcp/servers/{name}")).StatusCode);

        await Eventually.MatchesAsync(() => viewerB.ServerViewAsync(name), s => s.ValueKind == JsonValueKind.Undefined, TimeSpan.FromSeconds(10), "the server gone on silo B");
        await AssertProblemAsync(await admin.GetAsync($"/api/v1/mcp/servers/{name}"), HttpStatusCode.NotFound, name);
        await AssertProblemAsync(await admin.DeleteAsync($"/api/v1/mcp/servers/{name}"), HttpStatusCode.NotFound, name);
    }

    [Fact]
    public async Task Disable_enable_and_reset_drive_the_grain_and_are_logged()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "ops");
        using var admin = fixture.A.ClientAs("admin", user: "carol");

        var disabled = await JsonOfAsync(await admin.PostAsync($"/api/v1/mcp/servers/{name}/disable", null));
        Assert.Equal("disabled", disabled.GetProperty("status").GetProperty("health_status").GetString());
        Assert.False(disabled.GetProperty("enabled").GetBoolean());

        var enabled = await JsonOfAsync(await admin.PostAsync($"/api/v1/mcp/servers/{name}/enable", null));
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        await admin.WaitForHealthAsync(name, "healthy");

        await server.StopAsync();
        await admin.WaitForHealthAsync(name, "circuit_open");
        await server.RestartAsync();
        var reset = await JsonOfAsync(await admin.PostAsync($"/api/v1/mcp/servers/{name}/reset", null));
        Assert.Equal("healthy", reset.GetProperty("status").GetProperty("health_status").GetString());

        var log = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}/health-log?limit=500");
        var events = log.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event_type").GetString()).Reverse().ToList();
        Assert.Equal(["connected", "manually_disabled", "manually_enabled", "connected", "disconnected"], events.Take(5));
        Assert.Equal(["circuit_closed", "recovery_success"], events.TakeLast(2));
        var disabledRow = log.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("event_type").GetString() == "manually_disabled");
        Assert.Equal("disabled by carol", disabledRow.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Health_log_pages_newest_first()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "pages");
        using var admin = fixture.A.ClientAs("admin");
        await server.StopAsync();
        await admin.WaitForHealthAsync(name, "circuit_open");

        var first = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}/health-log?limit=2");
        var second = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}/health-log?limit=2&before={first.GetProperty("next_before").GetInt64()}");

        var ids = first.GetProperty("events").EnumerateArray().Concat(second.GetProperty("events").EnumerateArray()).Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(4, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal("circuit_opened", first.GetProperty("events")[0].GetProperty("event_type").GetString());
    }

    [Fact]
    public async Task Health_log_since_a_time_holds_only_what_happened_after_it_and_a_viewer_may_read_it()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "since");
        using var viewer = fixture.A.ClientAs("viewer");
        var cut = DateTimeOffset.UtcNow;
        await server.StopAsync();
        await viewer.WaitForHealthAsync(name, "circuit_open");

        var page = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{name}/health-log?since={Uri.EscapeDataString(cut.ToString("O"))}");

        var events = page.GetProperty("events").EnumerateArray().ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(e.GetProperty("created_at").GetDateTimeOffset() >= cut));
        Assert.DoesNotContain(events, e => e.GetProperty("event_type").GetString() == "connected" && e.GetProperty("old_status").GetString() == "unknown");
    }
}
