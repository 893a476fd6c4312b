using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Host.Http;
using Omni2.Host.Silo;

namespace Omni2.Host.Auth;

/// <summary>
/// In the embedded default only, <c>/api/v1/auth/dev-token</c> hands out short-lived tokens for the
/// dashboard's one-click sign-in, to the dashboard's own page on this machine (<see cref="DevSignInGuard"/>).
/// </summary>
public static class DevTokenApi
{
    public const string Path = "/api/v1/auth/dev-token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>Whether this host offers the dev sign-in at all: the embedded default, with a key it signs with.</summary>
    public static bool IsOffered(WebApplication app) =>
        SiloConfiguration.IsEmbedded(app.Configuration) && app.Services.GetRequiredService<TokenIssuer>().CanIssue;

    public static WebApplication MapDevTokenApi(this WebApplication app)
    {
        if (IsOffered(app))
        {
            app.MapPost(Path, IssueAsync)
                .AllowAnonymous().WithTags("Auth").WithName("IssueDevToken")
                .WithSummary("Embedded default only: a short-lived token for the dashboard's one-click sign-in.");
        }
        return app;
    }

    private static async Task<Results<Ok<DevTokenView>, NotFoundProblem, ForbiddenProblem, BodyProblem, BadRequestProblem>> IssueAsync(HttpContext context, TokenIssuer issuer)
    {
        if (!DevSignInGuard.IsFromThisMachine(context))
        {
            // An embedded default published on a network must not hand out tokens to it.
            return Problems.NotFound("The dev sign-in answers only requests from this machine.");
        }
        if (DevSignInGuard.Refusal(context.Request) is { } refusal)
        {
            return Problems.Forbidden(refusal);
        }
        var (body, problem) = await JsonBody.ReadAsync<DevTokenRequest>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Role is not { } role || !Roles.IsKnown(role))
        {
            return Problems.BadRequest($"role must be one of {string.Join(", ", Roles.All)}.");
        }
        var expires = DateTimeOffset.UtcNow + Lifetime;
        return TypedResults.Ok(new DevTokenView(issuer.Issue($"dev-{role}", role, Lifetime), role, expires));
    }
}

public sealed record DevTokenRequest(string? Role);

public sealed record DevTokenView(string Token, string Role, DateTimeOffset ExpiresAt);
