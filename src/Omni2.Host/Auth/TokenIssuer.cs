using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Omni2.Host.Auth;

/// <summary>
/// Signs tokens with the configured HS256 key: for the <c>token</c> command and the dashboard's dev sign-in.
/// Each carries a <c>jti</c> (so it can be revoked alone) and lives at most <see cref="AuthOptions.MaxTokenLifetime"/>.
/// </summary>
public sealed class TokenIssuer(AuthOptions options, SymmetricSecurityKey? key)
{
    public bool CanIssue => key is not null;

    public TimeSpan MaxLifetime => options.MaxTokenLifetime;

    public string Issue(string user, string role, TimeSpan lifetime) => Issue(user, role, lifetime, out _);

    public string Issue(string user, string role, TimeSpan lifetime, out string jti)
    {
        if (key is null)
        {
            throw new InvalidOperationException("Tokens come from the OIDC authority; there is no local signing key.");
        }
        if (lifetime > options.MaxTokenLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), $"A token lives at most {options.MaxTokenLifetime} (Auth:MaxTokenLifetime).");
        }
        var now = DateTime.UtcNow;
        jti = Guid.NewGuid().ToString("N");
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([
                new Claim(AuthSetup.NameClaim, user), new Claim(AuthSetup.RoleClaim, role), new Claim(JwtRegisteredClaimNames.Jti, jti)]),
            Issuer = options.Issuer,
            Audience = options.Audience,
            NotBefore = now,
            IssuedAt = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
