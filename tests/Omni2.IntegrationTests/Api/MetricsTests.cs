using System.Net;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>The Prometheus scrape endpoint carries the fleet's numbers and nothing that names a server.</summary>
[Collection("api")]
public sealed class MetricsTests(ApiFixture fixture)
{
    [Fact]
    public async Task Metrics_report_servers_transitions_checks_and_calls_without_server_names()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = await fixture.A.RegisterHealthyAsync(server, "metered");
        using var op = fixture.A.ClientAs("operator");
        await Eventually.MatchesAsync(
            async () => (await op.PostAsync("/api/v1/mcp/tools/call", Call(name, "echo", """{"message":"m"}"""))).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "a successful call");
        using var anonymousA = fixture.A.ClientAs(null);
        using var anonymousB = fixture.B.ClientAs(null);

        // Both silos record; the grain may live on either, so read both scrapes.
        var text = await Eventually.MatchesAsync(
            async () => await anonymousA.GetStringAsync("/metrics") + await anonymousB.GetStringAsync("/metrics"),
            t => t.Contains("omni2_tool_call_duration_seconds_count") && t.Contains("omni2_transitions_total"),
            TimeSpan.FromSeconds(20),
            "the tool call and transition metrics");

        Assert.Contains("omni2_servers{", text);
        Assert.Contains("status=\"healthy\"", text);
        Assert.Contains("omni2_circuits_open", text);
        Assert.Contains("omni2_health_check_duration_seconds_count", text);
        Assert.Contains("event=\"connected\"", text);
        Assert.Contains("outcome=\"completed\"", text);
        Assert.DoesNotContain(name, text);
    }

    [Fact]
    public async Task Metrics_report_the_runtimes_gc_heap_and_working_set()
    {
        using var anonymous = fixture.A.ClientAs(null);
        GC.Collect(); // the host runs in this process: the heap size is reported once a collection ran

        var text = await anonymous.GetStringAsync("/metrics");

        Assert.Contains("dotnet_gc_last_collection_heap_size_bytes{", text);
        Assert.Contains("dotnet_process_memory_working_set_bytes", text);
    }

    [Fact]
    public async Task Metrics_report_the_Orleans_Npgsql_and_HttpClient_meters()
    {
        // A host of its own, started for this test: Orleans creates its meter per host, under the same name in
        // every host of this test process, and in the full run the shared hosts' scrapes lost the Orleans
        // instruments once other tests' hosts had ended (a production process runs one host).
        await using var db = await PostgresDatabase.CreateAsync();
        await using var host = new ApiHost(db.ConnectionString, $"omni2-meters-{Guid.NewGuid():N}");
        await using var server = await TestMcpServer.StartAsync();
        await host.RegisterHealthyAsync(server, "meters"); // upstream HTTP requests and database commands
        using var anonymous = host.ClientAs(null);

        var text = await Eventually.MatchesAsync(
            () => anonymous.GetStringAsync("/metrics"),
            t => t.Contains("\norleans_") && t.Contains("\ndb_client_") && t.Contains("\nhttp_client_request_duration_seconds"),
            TimeSpan.FromSeconds(20),
            "Orleans', Npgsql's and HttpClient's meters");

        Assert.Contains("\ndotnet_gc_", text);
        // Anonymous: neither the upstream's address nor the database's connection string is a label.
        Assert.DoesNotContain($"\"{server.StreamableHttpEndpoint.Port}\"", text);
        Assert.DoesNotContain("server_address=", text);
        Assert.DoesNotContain("Database=", text);
    }
}
