using Microsoft.AspNetCore.WebUtilities;
using Omni2.Host.Realtime;

namespace Omni2.Host.Auth;

/// <summary>
/// Traefik's ForwardAuth asks <c>GET /api/v1/auth/verify</c> about every hub request, copying the client's
/// headers and the original URI into <c>X-Forwarded-Uri</c>. A browser cannot set headers on a WebSocket, so
/// its token travels in the hub URI's query (<c>/ws?id=…&amp;access_token=…</c>), which only that header
/// carries. This reads it from there: only on the verify endpoint, only for a hub URI, and only when the
/// request has no Authorization header. The token is then validated like any other, so the header grants
/// nothing by itself.
/// </summary>
public static class ForwardedHubToken
{
    public const string VerifyPath = "/api/v1/auth/verify";
    public const string ForwardedUriHeader = "X-Forwarded-Uri";

    public static string? Read(HttpRequest request)
    {
        if (!request.Path.Equals(VerifyPath, StringComparison.OrdinalIgnoreCase) || request.Headers.Authorization.Count > 0)
        {
            return null;
        }
        var forwarded = request.Headers[ForwardedUriHeader].ToString();
        if (!forwarded.StartsWith('/'))
        {
            return null;
        }
        var queryStart = forwarded.IndexOf('?', StringComparison.Ordinal);
        if (queryStart < 0 || !new PathString(forwarded[..queryStart]).StartsWithSegments(StatusHub.Path))
        {
            return null;
        }
        return QueryHelpers.ParseQuery(forwarded[queryStart..]).TryGetValue("access_token", out var token) && token.Count == 1 && !string.IsNullOrEmpty(token[0])
            ? token[0]
            : null;
    }
}
