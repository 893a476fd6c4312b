using System.Net;

namespace Omni2.Host.Auth;

/// <summary>
/// Who may use the embedded default's dev sign-in, which hands out tokens without a password: the
/// dashboard's own page, on this machine. A loopback peer is not enough: a page from another site can
/// make the user's browser send requests to 127.0.0.1, under a name of its own that resolves there
/// (DNS rebinding) or to the loopback name itself (a cross-site request). So the <c>Host</c> header must
/// name loopback, and the request must come from the page's own origin: an <c>Origin</c> equal to the
/// host's, or without one <c>Sec-Fetch-Site: same-origin</c>.
/// </summary>
public static class DevSignInGuard
{
    /// <summary>The peer is this machine.</summary>
    public static bool IsFromThisMachine(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);

    /// <summary><c>localhost</c>, or a loopback address (<c>127.0.0.1</c>, <c>[::1]</c>), with any port.</summary>
    public static bool NamesLoopback(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }
        var name = host.Host.TrimEnd('.');
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>Why the request may not sign in, or null when it may (a peer on this machine is checked first, by <see cref="IsFromThisMachine"/>).</summary>
    public static string? Refusal(HttpRequest request)
    {
        if (!NamesLoopback(request.Host))
        {
            return $"The dev sign-in answers only requests addressed to localhost, 127.0.0.1 or [::1], not to '{request.Host.Value}'.";
        }
        var origin = request.Headers.Origin.ToString();
        var own = $"{request.Scheme}://{request.Host.Value}";
        if (origin.Length > 0)
        {
            return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"The dev sign-in answers only the dashboard's own page: Origin '{origin}' is not {own}.";
        }
        return string.Equals(request.Headers["Sec-Fetch-Site"].ToString(), "same-origin", StringComparison.OrdinalIgnoreCase)
            ? null
            : "The dev sign-in answers only the dashboard's own page: the request has neither an Origin header nor 'Sec-Fetch-Site: same-origin'.";
    }
}
