using System.Net;
using ModelContextProtocol.Client;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>
/// A server's prompts, resources and templates are written to its row with its tools, so a silo that starts
/// later serves them from its first load: a cluster of its own, a real server-everything, the SDK client.
/// </summary>
public sealed class McpListingsPersistenceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_silo_that_starts_after_a_servers_listings_were_written_lists_its_prompts_and_resources()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-listings-{Guid.NewGuid():N}";
        await using var first = new ApiHost(database.ConnectionString, serviceId);
        first.StartServer();
        await using var everything = await EverythingServer.StartStreamableHttpAsync();
        var name = ClusterFixture.UniqueName("persisted");
        Assert.Equal(HttpStatusCode.Created, (await first.RegisterAsync(
            $$"""{"name":"{{name}}","transport":"streamable_http","url":"{{everything.Endpoint}}","check_timeout_seconds":5}""")).StatusCode);
        await Eventually.MatchesAsync(
            () => database.ScalarAsync<long>("SELECT coalesce(jsonb_array_length(listings->'prompts'), 0)::bigint FROM omni2.mcp_servers WHERE name = $1", name),
            prompts => prompts > 0, Deadline, "the server's prompts in its row");
        var version = await database.ScalarAsync<long>("SELECT status_version FROM omni2.mcp_servers WHERE name = $1", name);

        await using var late = new ApiHost(database.ConnectionString, serviceId);
        late.StartServer();
        await using var client = await late.McpClientAsync("viewer");
        var prompts = await client.ListPromptsAsync();
        var resources = await client.ListResourcesAsync();
        var templates = await client.ListResourceTemplatesAsync();

        Assert.Contains(prompts, p => p.Name == $"{name}__simple-prompt");
        Assert.Contains(resources, r => r.Uri.StartsWith($"omni2://{name}/", StringComparison.Ordinal));
        Assert.Contains(templates, t => t.UriTemplate.StartsWith($"omni2://{name}/", StringComparison.Ordinal));
        // Nothing reached the late silo on the feed meanwhile: the server's status never moved.
        Assert.Equal(version, await database.ScalarAsync<long>("SELECT status_version FROM omni2.mcp_servers WHERE name = $1", name));
    }
}
