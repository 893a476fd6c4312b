using System.Text.Json;
using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>The three transports against real servers: the official reference server from npm and a C# SDK server.</summary>
[Collection("cluster")]
public sealed class TransportTests(ClusterFixture fixture)
{
    private async Task<string> EchoAsync(string name)
    {
        var result = await fixture.Cluster.Server(name).CallToolAsync(new ToolCallRequest("echo", """{"message":"over the wire"}"""));
        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        using var content = JsonDocument.Parse(result.ContentJson!);
        return content.RootElement[0].GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task Reference_server_over_stdio_is_healthy_answers_and_its_process_ends_when_deleted()
    {
        var name = ClusterFixture.UniqueName("stdio");
        var (command, args) = EverythingServer.StdioCommand;
        await fixture.Database.InsertStdioAsync(name, command, [.. args, "--omni2-test", name]);
        await fixture.Cluster.Registry.ReloadNowAsync();

        await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        var snapshot = await fixture.Cluster.Server(name).GetSnapshotAsync();
        Assert.Contains(snapshot.Tools, t => t.Name == "echo");
        Assert.Contains("over the wire", await EchoAsync(name));
        Assert.Single(ProcessesWith(name));

        await fixture.Database.ExecuteAsync("DELETE FROM omni2.mcp_servers WHERE name = $1", name);
        await fixture.Cluster.Registry.ReloadNowAsync();

        await Eventually.MatchesAsync(() => Task.FromResult(ProcessesWith(name)), p => p.Count == 0, TimeSpan.FromSeconds(10), "the stdio process to end");
    }

    [Fact]
    public async Task Stdio_server_gets_its_configured_env_but_never_the_silos_secrets()
    {
        Environment.SetEnvironmentVariable("OMNI2_CANARY_SECRET", "canary-4242");
        var name = ClusterFixture.UniqueName("env");
        var (command, args) = EverythingServer.StdioCommand;
        await fixture.Database.InsertStdioAsync(name, command, args, env: """{"DEMO_SETTING":"visible-1701"}""");
        await fixture.Cluster.Registry.ReloadNowAsync();
        await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Healthy, TimeSpan.FromSeconds(30));

        var result = await fixture.Cluster.Server(name).CallToolAsync(new ToolCallRequest("get-env", "{}"));

        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        Assert.Contains("visible-1701", result.ContentJson);
        Assert.Contains("PATH", result.ContentJson);
        Assert.DoesNotContain("canary-4242", result.ContentJson);
        Assert.DoesNotContain("OMNI2_TEST_POSTGRES", result.ContentJson);
    }

    [Fact]
    public async Task Reference_server_over_streamable_http_is_healthy_and_answers()
    {
        await using var everything = await EverythingServer.StartStreamableHttpAsync();
        var name = ClusterFixture.UniqueName("everything");
        await fixture.Database.InsertHttpAsync(name, everything.Endpoint, checkTimeoutSeconds: 5);
        await fixture.Cluster.Registry.ReloadNowAsync();

        var status = await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Healthy, TimeSpan.FromSeconds(30));

        Assert.True(status.ToolCount > 5, $"server-everything lists {status.ToolCount} tools");
        Assert.Contains("over the wire", await EchoAsync(name));
    }

    [Fact]
    public async Task Csharp_sdk_server_over_sse_is_healthy_and_answers()
    {
        await using var server = await TestMcpServer.StartAsync();
        var name = ClusterFixture.UniqueName("sse");
        await fixture.Database.InsertHttpAsync(name, server.SseEndpoint, transport: "sse");
        await fixture.Cluster.Registry.ReloadNowAsync();

        await fixture.Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);

        Assert.Equal("over the wire", await EchoAsync(name));
    }

    /// <summary>Live processes whose command line carries <paramref name="marker"/>.</summary>
    private static List<int> ProcessesWith(string marker) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => (Pid: int.TryParse(Path.GetFileName(dir), out var pid) ? pid : -1, Dir: dir))
            .Where(p => p.Pid > 0 && ReadCommandLine(p.Dir).Contains(marker, StringComparison.Ordinal))
            .Select(p => p.Pid)
            .ToList();

    private static string ReadCommandLine(string processDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processDir, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
