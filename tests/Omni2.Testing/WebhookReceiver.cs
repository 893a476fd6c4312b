using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Omni2.Testing;

/// <summary>A real local HTTP listener for admin webhooks: <c>/hook</c> records what it gets, <c>/hang</c> never answers.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(DateTimeOffset At, JsonElement Body)> Received { get; } = new();

    public int HangingRequests;

    public Uri Hook => new(_app.Urls.First() + "/hook");

    public Uri Hang => new(_app.Urls.First() + "/hang");

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            receiver.Received.Enqueue((DateTimeOffset.UtcNow, body.RootElement.Clone()));
            return Results.Ok();
        });
        app.MapPost("/hang", async (HttpContext context) =>
        {
            Interlocked.Increment(ref receiver.HangingRequests);
            await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, receiver._stopping.Token).Token)
                .ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
