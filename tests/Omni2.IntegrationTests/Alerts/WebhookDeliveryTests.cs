using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni2.Grains.Alerts;
using Omni2.Grains.Telemetry;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Alerts;

/// <summary>Admin webhooks delivered over real HTTP to a real receiver: retries, Retry-After, timeouts, shutdown.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConcurrentDictionary<string, long> _deliveries = new();
    private readonly MeterListener _listener = new();

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        // Only this test's meter: other tests' notifiers count on meters of their own factories.
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "omni2.webhook.deliveries" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    _deliveries.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _receiver.DisposeAsync();
        await _services.DisposeAsync();
    }

    private WebhookNotifier Notifier(Uri hook, Action<AlertOptions>? configure = null)
    {
        var options = new AlertOptions { Webhooks = [hook.ToString()], WebhookAttempts = 3, WebhookBackoff = TimeSpan.FromMilliseconds(10), WebhookTimeout = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        var metrics = new Omni2Metrics(_services.GetRequiredService<IMeterFactory>());
        return new WebhookNotifier(Options.Create(options), TimeProvider.System, new LoopGuard(metrics, NullLogger<LoopGuard>.Instance), metrics, NullLogger<WebhookNotifier>.Instance);
    }

    private static AdminNotice Notice(string text = "3 MCP servers failed") => new("critical_alert", text, DateTimeOffset.UtcNow, ["a", "b", "c"]);

    private long Counted(string outcome) => _deliveries.GetValueOrDefault(outcome);

    [Fact]
    public async Task A_webhook_answering_429_is_retried_after_its_Retry_After_not_the_shorter_backoff()
    {
        using var notifier = Notifier(_receiver.Busy);
        await notifier.StartAsync(CancellationToken.None);
        var sent = Stopwatch.StartNew();

        notifier.Notify(Notice());

        await Eventually.MatchesAsync(() => Task.FromResult(_receiver.Received.Count), n => n == 1, TimeSpan.FromSeconds(10), "the notice to arrive");
        var waited = sent.Elapsed;
        await notifier.StopAsync(CancellationToken.None);
        Assert.True(waited >= TimeSpan.FromSeconds(0.9), $"delivered after {waited.TotalMilliseconds:0} ms: the 10 ms backoff won over Retry-After: 1");
        Assert.Equal(1, Counted("delivered"));
    }

    [Fact]
    public async Task Each_attempt_has_its_own_timeout_and_the_delivery_gives_up_after_the_last()
    {
        using var notifier = Notifier(_receiver.Hang, o => o.WebhookTimeout = TimeSpan.FromMilliseconds(200));
        await notifier.StartAsync(CancellationToken.None);

        notifier.Notify(Notice());

        await Eventually.MatchesAsync(() => Task.FromResult(Counted("failed")), n => n == 1, TimeSpan.FromSeconds(10), "the delivery to give up");
        await notifier.StopAsync(CancellationToken.None);
        Assert.Equal(3, _receiver.HangingRequests);
        Assert.Equal(0, Counted("delivered"));
    }

    [Fact]
    public async Task Notices_queued_when_the_host_stops_are_still_delivered()
    {
        using var notifier = Notifier(_receiver.Hook);
        await notifier.StartAsync(CancellationToken.None);

        foreach (var i in Enumerable.Range(1, 3))
        {
            notifier.Notify(Notice($"notice {i}"));
        }
        await notifier.StopAsync(CancellationToken.None);

        Assert.Equal(["notice 1", "notice 2", "notice 3"], _receiver.Received.Select(r => r.Body.GetProperty("text").GetString()).Order());
        Assert.Equal(3, Counted("delivered"));
    }

    [Fact]
    public async Task A_delivery_unfinished_when_the_shutdown_grace_ends_is_dropped_and_counted()
    {
        using var notifier = Notifier(_receiver.Hang, o => (o.WebhookTimeout, o.WebhookShutdownGrace) = (TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300)));
        await notifier.StartAsync(CancellationToken.None);
        notifier.Notify(Notice());
        await Eventually.MatchesAsync(() => Task.FromResult(_receiver.HangingRequests), n => n == 1, TimeSpan.FromSeconds(10), "the delivery to start");

        // Without the grace the stop would wait for the attempt's 30 s timeout; a generous deadline below it tells them apart.
        var stopping = notifier.StopAsync(CancellationToken.None);
        Assert.Same(stopping, await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(20))));
        await stopping;
        notifier.Notify(Notice("after the stop"));

        await Eventually.MatchesAsync(() => Task.FromResult(Counted("dropped")), n => n == 2, TimeSpan.FromSeconds(5), "the unfinished delivery and the late notice to be counted as dropped");
        Assert.Equal(0, Counted("delivered") + Counted("failed"));
    }
}
