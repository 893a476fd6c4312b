using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Omni2.Host.Auth;

namespace Omni2.Host.Realtime;

/// <summary>
/// The real-time hub at <c>/ws</c>: a token is checked at the handshake (browsers pass it as
/// <c>access_token</c>); the client then gets a snapshot and every event it may see on <c>mcp_event</c>.
/// </summary>
[Authorize(Policy = Policies.Read)]
public sealed class StatusHub(RealtimeDispatcher dispatcher) : Hub
{
    public const string Path = "/ws";
    public const string EventMethod = "mcp_event";

    public override Task OnConnectedAsync()
    {
        dispatcher.Connect(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        dispatcher.Disconnect(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
