using System.Text.Json;
using Omni2.Contracts;
using Omni2.Host.Catalog;

namespace Omni2.UnitTests.Catalog;

public sealed class ServerViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly McpServerInfo Server = new("alpha", McpTransport.StreamableHttp, true, []);

    private static ServerView At(DateTimeOffset? nextAttempt) =>
        ServerView.From(Server, new McpServerStatus { Name = "alpha", Status = HealthStatus.CircuitOpen, NextAttemptAt = nextAttempt }, [], Now, ["viewer"]);

    [Fact]
    public void Recovery_eta_seconds_rounds_the_time_to_the_next_attempt_up()
    {
        Assert.Equal(13, At(Now.AddSeconds(12.2)).RecoveryEtaSeconds);
    }

    [Fact]
    public void Recovery_eta_seconds_is_zero_once_the_attempt_is_due_and_null_without_one()
    {
        Assert.Equal(0, At(Now.AddSeconds(-5)).RecoveryEtaSeconds);
        Assert.Null(At(null).RecoveryEtaSeconds);
    }

    [Fact]
    public void The_integer_eta_is_named_apart_from_the_hub_messages_text_recovery_eta()
    {
        var json = JsonSerializer.Serialize(At(Now.AddSeconds(3)), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

        using var document = JsonDocument.Parse(json);
        Assert.Equal(3, document.RootElement.GetProperty("recovery_eta_seconds").GetInt32());
        Assert.False(document.RootElement.TryGetProperty("recovery_eta", out _));
    }
}
