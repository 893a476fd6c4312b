using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Omni2.Host.Auth;

/// <summary>
/// A <see cref="JsonWebTokenHandler"/> that validates each distinct token once: a client sends the same
/// token with every call, and parsing it, checking its signature and building its claims was the
/// largest part of an authenticated read. Used only with the configured HS256 key, where the outcome
/// depends on nothing but the token's characters and the clock; the expiry is checked again on every hit.
/// </summary>
public sealed class ValidatedTokens : JsonWebTokenHandler
{
    /// <summary>Valid tokens only ever enter (an attacker cannot fill it); when full it starts over.</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, TokenValidationResult> _valid = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_valid.TryGetValue(token, out var known))
        {
            // The rule of IdentityModel's lifetime check; the not-before time passed when the token was first validated.
            if (!validationParameters.ValidateLifetime || known.SecurityToken.ValidTo >= DateTime.UtcNow - validationParameters.ClockSkew)
            {
                return ForOneRequest(known);
            }
            _valid.TryRemove(token, out _);
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (!result.IsValid)
        {
            return result;
        }
        if (_valid.Count >= Capacity)
        {
            _valid.Clear();
        }
        _valid[token] = result;
        return ForOneRequest(result);
    }

    /// <summary>The remembered result with an identity of the request's own, so nothing a request adds to it outlives the request.</summary>
    private static TokenValidationResult ForOneRequest(TokenValidationResult known) => new()
    {
        IsValid = true,
        ClaimsIdentity = known.ClaimsIdentity.Clone(),
        SecurityToken = known.SecurityToken,
        Issuer = known.Issuer,
        TokenType = known.TokenType,
    };
}
