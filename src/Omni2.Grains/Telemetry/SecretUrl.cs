namespace Omni2.Grains.Telemetry;

/// <summary>
/// Outgoing requests whose URL is a secret (a webhook's carries its token in the path or the query): the
/// sender marks the request, and the HttpClient span (<c>Telemetry/TelemetrySetup</c>) then records the
/// URL as scheme, host and port only.
/// </summary>
public static class SecretUrl
{
    private static readonly HttpRequestOptionsKey<bool> Key = new("omni2.secret_url");

    public static HttpRequestMessage Marked(HttpRequestMessage request)
    {
        request.Options.Set(Key, true);
        return request;
    }

    public static bool IsMarked(HttpRequestMessage? request) => request is not null && request.Options.TryGetValue(Key, out var secret) && secret;

    /// <summary>What may be shown of a secret URL: <c>https://hooks.example.com:443</c>, no user info, path or query.</summary>
    public static string Redacted(Uri? url) =>
        url is { IsAbsoluteUri: true } ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.KeepDelimiter, UriFormat.UriEscaped) : "(redacted)";
}
