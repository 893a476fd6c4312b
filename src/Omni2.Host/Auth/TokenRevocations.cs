using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;

namespace Omni2.Host.Auth;

/// <summary>
/// The revoked tokens this silo refuses: by <c>jti</c>, or every token of a user issued (<c>iat</c>) up to the
/// revocation. Kept in <see cref="ITokenRevocationStore"/>; a revocation made here counts at once, one made on
/// another silo once this one has read it, every <see cref="AuthOptions.RevocationPollInterval"/>. Authentication
/// refuses a revoked token on every request (REST, <c>/mcp</c>, the hub's handshake); <see cref="Changed"/> lets
/// the hub close connections opened with one.
/// </summary>
public sealed class TokenRevocations(ITokenRevocationStore store, AuthOptions options, LoopGuard loops) : BackgroundService
{
    private readonly ConcurrentDictionary<string, byte> _jtis = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _users = new(StringComparer.Ordinal);
    private readonly Lock _apply = new();
    private long _lastId;

    /// <summary>Raised after revocations were added: existing sessions may now hold a revoked token.</summary>
    public event Action? Changed;

    /// <summary>Whether <paramref name="user"/>'s token is revoked. A user revocation covers tokens without <c>iat</c> too.</summary>
    public bool IsRevoked(ClaimsPrincipal? user)
    {
        if (user is null || (_jtis.IsEmpty && _users.IsEmpty))
        {
            return false;
        }
        if (user.FindFirst(JwtRegisteredClaimNames.Jti)?.Value is { } jti && _jtis.ContainsKey(jti))
        {
            return true;
        }
        if (AuthSetup.UserOf(user) is not { } name || !_users.TryGetValue(name, out var revokedAt))
        {
            return false;
        }
        return !long.TryParse(user.FindFirst(JwtRegisteredClaimNames.Iat)?.Value, out var issuedAt)
            || DateTimeOffset.FromUnixTimeSeconds(issuedAt) <= revokedAt;
    }

    /// <summary>Revokes a token or a user's tokens: stored, then refused here at once.</summary>
    public async Task<TokenRevocation> RevokeAsync(string? jti, string? user, string revokedBy, CancellationToken cancellationToken)
    {
        var revocation = await store.AddAsync(jti, user, revokedBy, cancellationToken);
        Apply([revocation], read: false);
        return revocation;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RevocationPollInterval);
        try
        {
            do
            {
                await loops.RunAsync("token_revocations", async () => Apply(await store.ListAfterAsync(Interlocked.Read(ref _lastId), stoppingToken), read: true), stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <param name="read">Read from the store: only then does it move the mark of what was read (ids of rows
    /// inserted concurrently on other silos may become visible out of order, but never below a row read).</param>
    private void Apply(IReadOnlyList<TokenRevocation> revocations, bool read)
    {
        var added = false;
        lock (_apply)
        {
            foreach (var revocation in revocations)
            {
                if (revocation.Jti is { } jti)
                {
                    added |= _jtis.TryAdd(jti, 0);
                }
                if (revocation.User is { } user && !(_users.TryGetValue(user, out var known) && known >= revocation.RevokedAt))
                {
                    _users[user] = revocation.RevokedAt;
                    added = true;
                }
                if (read)
                {
                    _lastId = Math.Max(_lastId, revocation.Id);
                }
            }
        }
        if (added)
        {
            Changed?.Invoke();
        }
    }
}
