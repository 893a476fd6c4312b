using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Auth;

/// <summary>
/// Traefik's ForwardAuth target (200 with the user and role in headers for a valid token, 401 otherwise),
/// and token revocation (admins).
/// </summary>
public static class AuthApi
{
    public const string UserHeader = "X-Auth-User";
    public const string RoleHeader = "X-Auth-Role";
    private const int MaxRevokedLength = 256;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/auth/verify", (HttpContext context) =>
            {
                var roles = Roles.Of(context.User);
                context.Response.Headers[UserHeader] = AuthSetup.UserOf(context.User) ?? "";
                context.Response.Headers[RoleHeader] = Roles.All.Last(roles.Contains);
                return TypedResults.Ok();
            })
            .RequireAuthorization(Policies.Read)
            .WithTags("Auth").WithName("VerifyToken").WithSummary("ForwardAuth: checks the bearer token.");
        app.MapPost("/api/v1/auth/revocations", RevokeAsync)
            .RequireAuthorization(Policies.Administer)
            .WithTags("Auth").WithName("RevokeTokens").WithSummary("Revokes one token (jti) or every token a user holds now (user), on every silo within a second.");
        return app;
    }

    private static async Task<Results<Created<RevocationView>, BodyProblem, BadRequestProblem>> RevokeAsync(HttpContext context, TokenRevocations revocations)
    {
        var (body, problem) = await JsonBody.ReadAsync<RevocationBody>(context);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        foreach (var (field, value) in new[] { ("jti", body!.Jti), ("user", body.User) })
        {
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value.Length > MaxRevokedLength))
            {
                errors[field] = [$"must be 1 to {MaxRevokedLength} characters, not blank"];
            }
        }
        if (errors.Count == 0 && (body.Jti is null) == (body.User is null))
        {
            errors[body.Jti is null ? "jti" : "user"] = ["give exactly one of jti (one token) or user (every token of that user)"];
        }
        if (errors.Count > 0)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        var revoked = await revocations.RevokeAsync(body.Jti, body.User, AuthSetup.UserOf(context.User) ?? "admin", context.RequestAborted);
        return TypedResults.Created((string?)null, new RevocationView(revoked.Jti, revoked.User, revoked.RevokedAt));
    }
}

/// <summary>The body of <c>POST /api/v1/auth/revocations</c>: exactly one of the two.</summary>
public sealed record RevocationBody(string? Jti, string? User);

public sealed record RevocationView(string? Jti, string? User, DateTimeOffset RevokedAt);
