using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni2.Grains.Alerts;
using Omni2.Grains.Telemetry;

namespace Omni2.UnitTests.Alerts;

public sealed class WebhookNotifierTests
{
    private sealed class CapturingLogger : ILogger<WebhookNotifier>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception) + " " + string.Join(" ", (state as IEnumerable<KeyValuePair<string, object?>> ?? []).Select(p => p.Value)));
    }

    [Fact]
    public async Task A_failing_webhook_is_logged_by_its_host_only_never_its_secret_path_or_query()
    {
        // Port 9 on loopback refuses at once: every attempt fails and is logged.
        const string secretHook = "http://127.0.0.1:9/services/T0001/B0002/secret-token-xyz?key=abc123";
        var logger = new CapturingLogger();
        var metrics = new Omni2Metrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        using var notifier = new WebhookNotifier(
            Options.Create(new AlertOptions { Webhooks = [secretHook], WebhookAttempts = 2, WebhookBackoff = TimeSpan.FromMilliseconds(10), WebhookTimeout = TimeSpan.FromSeconds(2) }),
            TimeProvider.System,
            new LoopGuard(metrics, NullLogger<LoopGuard>.Instance),
            metrics,
            logger);
        await notifier.StartAsync(CancellationToken.None);

        notifier.Notify(new AdminNotice("critical_alert", "3 MCP servers failed", DateTimeOffset.UtcNow, ["a", "b", "c"]));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!logger.Lines.Any(l => l.Contains("gave up", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await notifier.StopAsync(CancellationToken.None);

        Assert.Contains(logger.Lines, l => l.Contains("gave up", StringComparison.Ordinal) && l.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(2, logger.Lines.Count(l => l.Contains("attempt", StringComparison.Ordinal)));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("secret-token", StringComparison.Ordinal) || l.Contains("abc123", StringComparison.Ordinal) || l.Contains("/services/", StringComparison.Ordinal));
    }
}
