using System.Text.Json;
using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>Tool calls proxied through the owning grain.</summary>
[Collection("cluster")]
public sealed class ToolCallTests(ClusterFixture fixture) : IAsyncLifetime
{
    /// <summary>How long a call may take to reach the server, generously: these tests are about order, not speed.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private TestMcpServer _server = null!;
    private string _name = null!;

    private IMcpServerGrain Grain => fixture.Cluster.Server(_name);

    public async Task InitializeAsync()
    {
        _server = await TestMcpServer.StartAsync();
        // A long interval: only a call can notice that the server died.
        _name = await fixture.RegisterHealthyAsync(_server, "calls", intervalSeconds: 300, callTimeoutSeconds: 2);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Call_returns_the_tools_content()
    {
        var result = await Grain.CallToolAsync(new ToolCallRequest("echo", """{"message":"hello through omni2"}"""));

        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        Assert.False(result.IsError);
        using var content = JsonDocument.Parse(result.ContentJson!);
        Assert.Equal("text", content.RootElement[0].GetProperty("type").GetString());
        Assert.Contains("hello through omni2", content.RootElement[0].GetProperty("text").GetString());
        Assert.True(result.DurationMs > 0);
    }

    [Fact]
    public async Task Ten_concurrent_slow_calls_run_side_by_side_not_one_after_another()
    {
        var grain = await PatientServerAsync("side-by-side");
        var before = _server.ToolCallCount;
        using var giveUp = new CancellationTokenSource();

        var calls = Enumerable.Range(0, 10).Select(_ => grain.CallToolAsync(new ToolCallRequest("slow", """{"delay_ms":60000}"""), giveUp.Token)).ToList();

        // One after another, the second would reach the server only once the first answered, a minute later.
        await Eventually.MatchesAsync(() => Task.FromResult(_server.ToolCallCount - before), n => n == 10, Deadline, "all ten calls at the server at once");
        Assert.DoesNotContain(calls, c => c.IsCompleted);
        await CancelAsync(giveUp, calls);
    }

    [Fact]
    public async Task Calls_are_not_held_up_by_a_running_health_check()
    {
        var grain = await PatientServerAsync("unheld");
        using var giveUp = new CancellationTokenSource();
        var slowCall = grain.CallToolAsync(new ToolCallRequest("slow", """{"delay_ms":60000}"""), giveUp.Token);
        var check = grain.CheckNowAsync();

        var quick = await grain.CallToolAsync(new ToolCallRequest("echo", """{"message":"quick"}"""));

        Assert.Equal(ToolCallOutcome.Completed, quick.Outcome);
        Assert.False(slowCall.IsCompleted, "the quick call waited for the slow one");
        Assert.Equal(HealthStatus.Healthy, (await check).Status);
        await CancelAsync(giveUp, [slowCall]);
    }

    /// <summary>The test server registered again with a call timeout long enough that slow calls end only when cancelled.</summary>
    private async Task<IMcpServerGrain> PatientServerAsync(string prefix) =>
        fixture.Cluster.Server(await fixture.RegisterHealthyAsync(_server, prefix, intervalSeconds: 300, callTimeoutSeconds: 120));

    /// <summary>Cancels the slow <paramref name="calls"/> and waits until the server saw each cancelled.</summary>
    private async Task CancelAsync(CancellationTokenSource giveUp, IReadOnlyCollection<Task<ToolCallResult>> calls)
    {
        var cancelledBefore = _server.CancelledCallCount;
        await giveUp.CancelAsync();
        foreach (var call in calls)
        {
            try
            {
                await call;
            }
            catch (OperationCanceledException)
            {
                // The caller's cancellation, as the grain call reports it.
            }
        }
        await Eventually.MatchesAsync(() => Task.FromResult(_server.CancelledCallCount - cancelledBefore), n => n == calls.Count, Deadline, "the slow calls cancelled at the server");
    }

    [Fact]
    public async Task Tool_reporting_an_error_is_a_completed_call_with_is_error()
    {
        var result = await Grain.CallToolAsync(new ToolCallRequest("fail", null));

        Assert.Equal(ToolCallOutcome.Completed, result.Outcome);
        Assert.True(result.IsError);
        Assert.Equal(HealthStatus.Healthy, (await Grain.GetStatusAsync()).Status);
    }

    [Fact]
    public async Task Unknown_tool_is_reported_without_calling_the_server()
    {
        var before = _server.ToolCallCount;

        var result = await Grain.CallToolAsync(new ToolCallRequest("no_such_tool", "{}"));

        Assert.Equal(ToolCallOutcome.UnknownTool, result.Outcome);
        Assert.Contains("no_such_tool", result.Detail);
        Assert.Equal(before, _server.ToolCallCount);
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"message\":", "not valid JSON")]
    [InlineData("\"text\"", "must be a JSON object")]
    public async Task Malformed_arguments_are_rejected_before_the_call(string arguments, string expected)
    {
        var result = await Grain.CallToolAsync(new ToolCallRequest("echo", arguments));

        Assert.Equal(ToolCallOutcome.InvalidArguments, result.Outcome);
        Assert.Contains(expected, result.Detail);
    }

    [Fact]
    public async Task Call_longer_than_the_call_timeout_times_out()
    {
        var result = await Grain.CallToolAsync(new ToolCallRequest("slow", """{"delay_ms":4000}"""));

        Assert.Equal(ToolCallOutcome.Timeout, result.Outcome);
        Assert.Contains("within 2 s", result.Detail);
        Assert.Equal(HealthStatus.Healthy, (await Grain.GetStatusAsync()).Status);
    }

    [Fact]
    public async Task Transport_failure_during_a_call_marks_the_server_disconnected_at_once()
    {
        await _server.StopAsync();

        var result = await Grain.CallToolAsync(new ToolCallRequest("echo", """{"message":"anyone?"}"""));

        Assert.Equal(ToolCallOutcome.UpstreamFailure, result.Outcome);
        var status = await fixture.Cluster.WaitForStatusAsync(_name, HealthStatus.Disconnected, TimeSpan.FromSeconds(3));
        Assert.Equal(1, status.ConsecutiveFailures);
        var unavailable = await Grain.CallToolAsync(new ToolCallRequest("echo", """{"message":"again"}"""));
        Assert.Equal(ToolCallOutcome.Unavailable, unavailable.Outcome);
        Assert.NotNull(unavailable.RetryAfter);
    }
}
