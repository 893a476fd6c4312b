using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Omni2.Testing;

/// <summary>
/// A real local HTTP listener for admin webhooks: <c>/hook</c> records what it gets, <c>/hang</c> never answers,
/// <c>/busy</c> answers its first <see cref="BusyAnswers"/> requests 429 with <c>Retry-After: 1</c>, then as <c>/hook</c>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(DateTimeOffset At, JsonElement Body)> Received { get; } = new();

    public int HangingRequests;

    public int BusyAnswers = 1;

    public Uri Hook => new(_app.Urls.First() + "/hook");

    /// <summary>A hook whose URL carries a token in its path and its query, as Slack's and most others' do.</summary>
    public Uri HookWithToken(string token) => new($"{_app.Urls.First()}/hook/{token}?token={token}");

    public Uri Hang => new(_app.Urls.First() + "/hang");

    public Uri Busy => new(_app.Urls.First() + "/busy");

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        Func<HttpRequest, Task<IResult>> record = async request =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            receiver.Received.Enqueue((DateTimeOffset.UtcNow, body.RootElement.Clone()));
            return Results.Ok();
        };
        app.MapPost("/hook", record);
        app.MapPost("/hook/{token}", record);
        app.MapPost("/busy", (HttpRequest request, HttpResponse response) =>
        {
            if (Interlocked.Decrement(ref receiver.BusyAnswers) >= 0)
            {
                response.Headers.RetryAfter = "1";
                return Task.FromResult(Results.StatusCode(StatusCodes.Status429TooManyRequests));
            }
            return record(request);
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
