using System.Text.Json;
using System.Text.Json.Serialization;
using Omni2.Host.Catalog;

namespace Omni2.Host.Realtime;

/// <summary>The SignalR hub and its per-silo dispatcher.</summary>
public static class RealtimeSetup
{
    public static WebApplicationBuilder AddOmni2Realtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section)
            .Validate(o => o.MaxMessagesPerSecond > 0 && o.SessionLimit > TimeSpan.Zero && o.QueueCapacity > 0 && o.SnapshotPageSize > 0, $"{RealtimeOptions.Section}: MaxMessagesPerSecond, SessionLimit, QueueCapacity and SnapshotPageSize must be positive")
            .ValidateOnStart();
        builder.Services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddSingleton<RealtimeDispatcher>();
        builder.Services.AddSingleton<IStatusEventListener>(sp => sp.GetRequiredService<RealtimeDispatcher>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RealtimeDispatcher>());
        return builder;
    }

    public static WebApplication MapOmni2Realtime(this WebApplication app)
    {
        app.MapHub<StatusHub>(StatusHub.Path, o => o.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
