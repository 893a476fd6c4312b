using Omni2.Host.Auth;

namespace Omni2.Host.Api;

/// <summary>Traefik's ForwardAuth target: 200 with the user and role in headers for a valid token, 401 otherwise.</summary>
public static class AuthApi
{
    public const string UserHeader = "X-Auth-User";
    public const string RoleHeader = "X-Auth-Role";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/auth/verify", (HttpContext context) =>
            {
                var roles = Roles.Of(context.User);
                context.Response.Headers[UserHeader] = AuthSetup.UserOf(context.User) ?? "";
                context.Response.Headers[RoleHeader] = Roles.All.Last(roles.Contains);
                return Results.Ok();
            })
            .RequireAuthorization(Policies.Read)
            .WithTags("Auth").WithName("VerifyToken").WithSummary("ForwardAuth: checks the bearer token.");
        return app;
    }
}
