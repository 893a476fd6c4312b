using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Omni2.Host.Auth;

/// <summary>Signs tokens with the configured HS256 key: for the <c>token</c> command and the dashboard's dev sign-in.</summary>
public sealed class TokenIssuer(AuthOptions options, SymmetricSecurityKey? key)
{
    public bool CanIssue => key is not null;

    public string Issue(string user, string role, TimeSpan lifetime)
    {
        if (key is null)
        {
            throw new InvalidOperationException("Tokens come from the OIDC authority; there is no local signing key.");
        }
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(AuthSetup.NameClaim, user), new Claim(AuthSetup.RoleClaim, role)]),
            Issuer = options.Issuer,
            Audience = options.Audience,
            NotBefore = now,
            IssuedAt = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
