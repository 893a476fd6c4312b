using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Alerts;

/// <summary>An admin notification: <see cref="Text"/> is what Slack-compatible receivers show.</summary>
public sealed record AdminNotice(string Type, string Text, DateTimeOffset Timestamp, IReadOnlyList<string> Servers);

/// <summary>
/// Posts admin notices to every configured webhook, each on its own, with retries and backoff.
/// <see cref="Notify"/> only queues: a slow or failing webhook never delays its caller or the other webhooks.
/// The queue holds <see cref="QueueCapacity"/> notices; beyond that the oldest is dropped (and counted):
/// the newest say most about the fleet now, and every notice is also in the log.
/// </summary>
public sealed partial class WebhookNotifier(IOptions<AlertOptions> options, TimeProvider time, LoopGuard loops, ILogger<WebhookNotifier> logger) : BackgroundService
{
    public const int QueueCapacity = 1000;
    private const string Loop = "webhooks";
    private readonly Channel<AdminNotice> _queue = loops.BoundedQueue<AdminNotice>(Loop, QueueCapacity, BoundedChannelFullMode.DropOldest);
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public void Notify(AdminNotice notice)
    {
        LogCritical(notice.Type, notice.Text);
        _queue.Writer.TryWrite(notice);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var notice in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            foreach (var url in options.Value.Webhooks)
            {
                _ = loops.RunAsync(Loop, () => DeliverAsync(url, notice, stoppingToken), stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(string url, AdminNotice notice, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var pause = settings.WebhookBackoff;
        for (var attempt = 1; attempt <= settings.WebhookAttempts && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(settings.WebhookTimeout);
                using var response = await _http.PostAsJsonAsync(url, new
                {
                    text = notice.Text,
                    type = notice.Type,
                    timestamp = notice.Timestamp,
                    servers = notice.Servers,
                }, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                LogAttemptFailed(HostOf(url), attempt, $"HTTP {(int)response.StatusCode}");
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogAttemptFailed(HostOf(url), attempt, ex is OperationCanceledException ? $"no answer within {settings.WebhookTimeout.TotalSeconds:0.#} s" : ex.Message);
            }
            if (attempt < settings.WebhookAttempts)
            {
                await Task.Delay(pause, time, stoppingToken);
                pause *= 2;
            }
        }
        LogGaveUp(HostOf(url), notice.Type);
    }

    public override void Dispose()
    {
        _http.Dispose();
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
}
