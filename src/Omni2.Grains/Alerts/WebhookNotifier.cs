using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Grains.Telemetry;
using Polly;
using Polly.Timeout;

namespace Omni2.Grains.Alerts;

/// <summary>An admin notification: <see cref="Text"/> is what Slack-compatible receivers show.</summary>
public sealed record AdminNotice(string Type, string Text, DateTimeOffset Timestamp, IReadOnlyList<string> Servers);

/// <summary>
/// Posts admin notices to every configured webhook, each on its own, through one resilience pipeline
/// (Microsoft.Extensions.Http.Resilience): a timeout per attempt, retries of transient failures (connection
/// errors, timeouts, 408, 429, 5xx) with exponential backoff and jitter that honour <c>Retry-After</c>, and a
/// timeout over the whole delivery. <see cref="Notify"/> only queues: a slow or failing webhook never delays its
/// caller or the other webhooks. The queue holds <see cref="QueueCapacity"/> notices; beyond that the oldest is
/// dropped (and counted): the newest say most about the fleet now, and every notice is also in the log. At
/// shutdown what is queued or under way gets <see cref="AlertOptions.WebhookShutdownGrace"/>; what is unfinished
/// then is dropped. Every delivery is counted by outcome (<c>omni2.webhook.deliveries</c>).
/// </summary>
public sealed partial class WebhookNotifier : BackgroundService
{
    public const int QueueCapacity = 1000;
    private const string Loop = "webhooks";
    private const string Dropped = "dropped";
    private readonly AlertOptions _settings;
    private readonly LoopGuard _loops;
    private readonly Omni2Metrics _metrics;
    private readonly ILogger<WebhookNotifier> _logger;
    private readonly Channel<AdminNotice> _queue;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<Task, byte> _underWay = new();
    // Cancelled once the shutdown grace is over: what is still being delivered is dropped.
    private readonly CancellationTokenSource _abandon = new();

    public WebhookNotifier(IOptions<AlertOptions> options, TimeProvider time, LoopGuard loops, Omni2Metrics metrics, ILogger<WebhookNotifier> logger)
    {
        _settings = options.Value;
        _loops = loops;
        _metrics = metrics;
        _logger = logger;
        _queue = loops.BoundedQueue<AdminNotice>(Loop, QueueCapacity, BoundedChannelFullMode.DropOldest, _ => metrics.WebhookDelivery(Dropped, _settings.Webhooks.Count));
        _pipeline = Pipeline(_settings, time);
    }

    public void Notify(AdminNotice notice)
    {
        LogCritical(notice.Type, notice.Text);
        Send(notice);
    }

    /// <summary>Queues <paramref name="notice"/> without logging it: for a caller that logged the event itself, structured.</summary>
    public void Send(AdminNotice notice)
    {
        if (!_queue.Writer.TryWrite(notice))
        {
            // Only a completed queue refuses: the host is stopping.
            _metrics.WebhookDelivery(Dropped, _settings.Webhooks.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var notice in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            Start(notice);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        // What is still queued goes out now, beside what is under way, and all of it gets the grace period.
        while (_queue.Reader.TryRead(out var notice))
        {
            Start(notice);
        }
        _abandon.CancelAfter(_settings.WebhookShutdownGrace);
        await Task.WhenAll(_underWay.Keys).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _abandon.CancelAsync();
    }

    private void Start(AdminNotice notice)
    {
        foreach (var url in _settings.Webhooks)
        {
            var delivery = _loops.RunAsync(Loop, () => DeliverAsync(url, notice), _abandon.Token);
            _underWay.TryAdd(delivery, 0);
            _ = delivery.ContinueWith(done => _underWay.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task DeliverAsync(string url, AdminNotice notice)
    {
        var host = HostOf(url);
        var attempt = 0;
        try
        {
            using var response = await _pipeline.ExecuteAsync(async token =>
            {
                attempt++;
                try
                {
                    using var request = SecretUrl.Marked(new HttpRequestMessage(HttpMethod.Post, url)
                    {
                        Content = JsonContent.Create(new
                        {
                            text = notice.Text,
                            type = notice.Type,
                            timestamp = notice.Timestamp,
                            servers = notice.Servers,
                        }),
                    });
                    var answer = await _http.SendAsync(request, token);
                    if (!answer.IsSuccessStatusCode)
                    {
                        LogAttemptFailed(host, attempt, $"HTTP {(int)answer.StatusCode}");
                    }
                    return answer;
                }
                catch (Exception ex) when (!_abandon.IsCancellationRequested)
                {
                    LogAttemptFailed(host, attempt, ex is OperationCanceledException ? $"no answer within {_settings.WebhookTimeout.TotalSeconds:0.#} s" : ex.Message);
                    throw;
                }
            }, _abandon.Token);
            if (response.IsSuccessStatusCode)
            {
                _metrics.WebhookDelivery("delivered");
                return;
            }
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            _metrics.WebhookDelivery(Dropped);
            LogDroppedAtShutdown(host, notice.Type);
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or OperationCanceledException)
        {
            // Every attempt failed (each is logged above), or the delivery's time ran out.
        }
        _metrics.WebhookDelivery("failed");
        LogGaveUp(host, notice.Type);
    }

    /// <summary>The whole delivery's timeout, outside the retries, outside each attempt's timeout.</summary>
    private static ResiliencePipeline<HttpResponseMessage> Pipeline(AlertOptions settings, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = settings.WebhookDeliveryTimeout });
        if (settings.WebhookAttempts > 1)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.WebhookAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.WebhookBackoff,
                ShouldRetryAfterHeader = true,
            });
        }
        return builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = settings.WebhookTimeout }).Build();
    }

    public override void Dispose()
    {
        _http.Dispose();
        _abandon.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Admin notice ({Type}): {Text}")]
    private partial void LogCritical(string type, string text);

    /// <summary>A webhook's URL is a secret (Slack-style hooks carry their token in the path): logs name its host only.</summary>
    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : "(invalid URL)";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook to {Host}: attempt {Attempt} failed: {Error}")]
    private partial void LogAttemptFailed(string host, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook to {Host}: gave up delivering {Type}")]
    private partial void LogGaveUp(string host, string type);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook to {Host}: {Type} dropped, unfinished when the shutdown grace ended")]
    private partial void LogDroppedAtShutdown(string host, string type);
}
