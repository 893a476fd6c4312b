namespace Omni2.Host.Auth;

/// <summary>
/// OIDC mode (<c>Auth:Authority</c>) validates every token against the configured issuer and audience: an
/// authority signs tokens for all of its applications, and one issued for another must not be accepted here.
/// </summary>
public static class OidcSettings
{
    /// <summary>Throws, naming what is missing, when an authority is configured without an issuer or an audience.</summary>
    public static void EnsureComplete(AuthOptions options)
    {
        if (string.IsNullOrEmpty(options.Authority))
        {
            return;
        }
        var missing = new[] { (Key: "Auth:Issuer", Value: options.Issuer), (Key: "Auth:Audience", Value: options.Audience) }
            .Where(setting => string.IsNullOrWhiteSpace(setting.Value))
            .Select(setting => setting.Key)
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"OIDC (Auth:Authority) needs {string.Join(" and ", missing)}: tokens are validated against both, " +
                "so that a token the authority issued for another application is refused.");
        }
    }
}
