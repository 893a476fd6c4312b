using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Omni2.Grains.Mcp;

/// <summary>
/// What went wrong with an upstream, as the short classified text that <c>last_error</c>, the
/// health log, hub messages, alerts and callers get: "HTTP 500 Internal Server Error", "connection
/// refused", "tool list too large: ...". The one rule for that text: it never carries what the
/// upstream wrote (a response body, a stdio server's stderr, a JSON-RPC error message) nor an
/// address (a host, a port, a URL), since every viewer reads it. The full exception goes to the
/// silo's log, for whoever runs it.
/// </summary>
public static partial class UpstreamError
{
    private const int MaxLength = 200;

    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (Known(e) is { } known)
            {
                return known;
            }
        }
        return Scrub(exception.Message);
    }

    /// <summary>Why a session ended, from the SDK's completion details.</summary>
    public static string Describe(ClientCompletionDetails details) => details switch
    {
        StdioClientCompletionDetails { ExitCode: { } code } => $"process exited with code {code}",
        HttpClientCompletionDetails { HttpStatusCode: { } status } => Http(status),
        { Exception: { } exception } => Describe(exception),
        _ => "session closed",
    };

    /// <summary>An HTTP status and its standard reason phrase (never the server's own phrase).</summary>
    public static string Http(HttpStatusCode status)
    {
        var code = (int)status;
        var text = $"HTTP {code} {ReasonPhrase(status)}".TrimEnd();
        return code is >= 300 and < 400 ? $"{text} (redirects are not followed)" : text;
    }

    private static string? Known(Exception e) => e switch
    {
        UpstreamLimitExceededException => e.Message,
        TimeoutException => Scrub(e.Message),
        ClientTransportClosedException closed when Describe(closed.Details) is var reason && reason != "session closed" => reason,
        HttpRequestException { StatusCode: { } status } => Http(status),
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "host not found",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS handshake failed",
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before the response ended",
        HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse } => "invalid HTTP response",
        SocketException socket => Socket(socket.SocketErrorCode),
        McpProtocolException protocol => $"JSON-RPC error {(int)protocol.ErrorCode}{Named(protocol.ErrorCode)}",
        JsonException => "the server sent invalid JSON",
        _ => null,
    };

    private static string Socket(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset or SocketError.ConnectionAborted => "connection reset",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => "host unreachable",
        _ => $"network error ({error})",
    };

    private static string Named(McpErrorCode code) =>
        Enum.IsDefined(code) ? $" ({Words(code.ToString())})" : "";

    private static string ReasonPhrase(HttpStatusCode status) => (int)status switch
    {
        // Names HttpStatusCode has twice; Enum.ToString() may pick either.
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        _ when Enum.IsDefined(status) => Words(status.ToString()),
        _ => "",
    };

    private static string Words(string pascalCase) => PascalWords().Replace(pascalCase, " $1");

    /// <summary>
    /// Text of unknown shape: its first line only (the SDK appends what a server wrote, such as a
    /// stdio server's stderr, on the lines after), addresses taken out, bounded.
    /// </summary>
    private static string Scrub(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        var text = Address().Replace(end < 0 ? message : message[..end], "<address>").Trim();
        return text.Length <= MaxLength ? text : text[..MaxLength] + "...";
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex PascalWords();

    // A URL; an IPv4 or bracketed IPv6 address, with or without a port; a dotted host name or localhost with a port.
    [GeneratedRegex(@"\b[a-z][a-z0-9+.-]*://\S+|\[[0-9a-f:.%]+\](:\d{1,5})?|\b\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?\b|\b([a-z0-9-]+\.)+[a-z0-9-]+:\d{1,5}\b|\blocalhost:\d{1,5}\b", RegexOptions.IgnoreCase)]
    private static partial Regex Address();
}
