namespace Omni2.Host.Auth;

/// <summary>Section <c>Auth</c>: an HS256 signing key, or an OIDC authority.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 key, at least 32 bytes (<c>Auth__SigningKey</c>). Never logged or returned.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The tokens' <c>iss</c>: validated when set; required with <see cref="Authority"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The tokens' <c>aud</c>: validated when set; required with <see cref="Authority"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>An OIDC authority whose keys sign the tokens, instead of <see cref="SigningKey"/>.</summary>
    public string? Authority { get; set; }

    /// <summary>The longest lifetime of a token this host signs (the <c>token</c> command's default is 8 h, and at most this).</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often each silo reads revocations made on the others (a revocation takes effect within this and a query).</summary>
    public TimeSpan RevocationPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The embedded default without a configured key keeps a generated one here, so the <c>token</c> command and the host agree.</summary>
    public string DevKeyFile { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "omni2", "dev-signing-key");
}
