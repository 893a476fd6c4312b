using System.Text.Json;
using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Servers;

/// <summary>Resource reads and prompt gets proxied through the owning grain, against the official server-everything.</summary>
[Collection("cluster")]
public sealed class ReadTests(ClusterFixture fixture) : IAsyncLifetime
{
    private EverythingServer _everything = null!;
    private string _name = null!;

    private IMcpServerGrain Grain => fixture.Cluster.Server(_name);

    public async Task InitializeAsync()
    {
        _everything = await EverythingServer.StartStreamableHttpAsync();
        _name = ClusterFixture.UniqueName("reads");
        // A long interval: only a read can notice that the server died.
        await fixture.Database.InsertHttpAsync(_name, _everything.Endpoint, intervalSeconds: 300, checkTimeoutSeconds: 5);
        await fixture.Cluster.Registry.ReloadNowAsync();
        await fixture.Cluster.WaitForStatusAsync(_name, HealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync() => await _everything.DisposeAsync();

    [Fact]
    public async Task A_resource_read_returns_the_servers_contents()
    {
        var result = await Grain.ReadAsync(new McpReadRequest(McpReadKind.Resource, "demo://resource/dynamic/text/7"));

        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        using var read = JsonDocument.Parse(result.ContentJson!);
        var content = read.RootElement.GetProperty("contents")[0];
        Assert.Equal("demo://resource/dynamic/text/7", content.GetProperty("uri").GetString());
        Assert.True(content.TryGetProperty("text", out _), result.ContentJson);
    }

    [Fact]
    public async Task A_prompt_get_returns_the_prompts_messages_with_its_arguments()
    {
        var result = await Grain.ReadAsync(new McpReadRequest(McpReadKind.Prompt, "args-prompt", """{"city":"Lisbon"}"""));

        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        using var prompt = JsonDocument.Parse(result.ContentJson!);
        Assert.Contains("Lisbon", prompt.RootElement.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"city":5}""", "'city' is number")]
    [InlineData("""["Lisbon"]""", "must be a JSON object")]
    public async Task Prompt_arguments_that_are_not_strings_are_invalid_and_never_sent(string arguments, string detail)
    {
        var result = await Grain.ReadAsync(new McpReadRequest(McpReadKind.Prompt, "args-prompt", arguments));

        Assert.Equal(ToolCallOutcome.InvalidArguments, result.Outcome);
        Assert.Contains(detail, result.Detail);
    }

    [Theory]
    [InlineData(McpReadKind.Resource, "demo://resource/no-such-thing")]
    [InlineData(McpReadKind.Prompt, "no-such-prompt")]
    public async Task An_unknown_resource_or_prompt_is_an_error_that_leaves_the_server_healthy(McpReadKind kind, string name)
    {
        var result = await Grain.ReadAsync(new McpReadRequest(kind, name));

        Assert.NotEqual(ToolCallOutcome.Completed, result.Outcome);
        Assert.Contains(name, result.Detail);
        Assert.Equal(HealthStatus.Healthy, (await Grain.GetStatusAsync()).Status);
    }

    [Fact]
    public async Task A_read_of_a_server_that_went_down_is_unavailable_with_when_to_retry()
    {
        await using var gone = await EverythingServer.StartStreamableHttpAsync();
        var name = ClusterFixture.UniqueName("gone");
        await fixture.Database.InsertHttpAsync(name, gone.Endpoint, intervalSeconds: 300, checkTimeoutSeconds: 5);
        await fixture.Cluster.Registry.ReloadNowAsync();
        await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        await gone.StopAsync();

        // The read itself, or the broken event stream before it, marks the server down; then reads are refused at once.
        await fixture.Cluster.Server(name).ReadAsync(new McpReadRequest(McpReadKind.Prompt, "simple-prompt"));
        await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Disconnected, TimeSpan.FromSeconds(10));
        var next = await fixture.Cluster.Server(name).ReadAsync(new McpReadRequest(McpReadKind.Prompt, "simple-prompt"));

        Assert.Equal(ToolCallOutcome.Unavailable, next.Outcome);
        Assert.NotNull(next.RetryAfter);
    }
}
