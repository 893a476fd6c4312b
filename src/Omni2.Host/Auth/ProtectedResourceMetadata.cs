using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Omni2.Host.Auth;

/// <summary>
/// OAuth 2.0 Protected Resource Metadata (RFC 9728) for <c>/mcp</c>, served when tokens come from an
/// OIDC authority (<c>Auth:Authority</c>): an MCP client that gets a 401 reads <c>resource_metadata</c>
/// from its <c>WWW-Authenticate</c>, fetches the document, and signs in at the authorization server it
/// names, as the MCP authorization spec has clients discover it. With Omni2's own signing key there is
/// no authorization server to name, so neither is served.
/// </summary>
public static class ProtectedResourceMetadata
{
    /// <summary>RFC 9728's well-known prefix; the protected resource's path follows it.</summary>
    public const string WellKnownPrefix = "/.well-known/oauth-protected-resource";

    /// <summary>The metadata document of <paramref name="resourcePath"/>, for anyone (it is how a client learns where to sign in).</summary>
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app, string resourcePath)
    {
        var options = app.ServiceProvider.GetRequiredService<AuthOptions>();
        if (string.IsNullOrEmpty(options.Authority))
        {
            return app;
        }
        app.MapGet(WellKnownPrefix + resourcePath, (HttpContext context) => TypedResults.Ok(new Document(
                Resource: $"{Origin(context.Request)}{resourcePath}",
                AuthorizationServers: [options.Authority],
                BearerMethodsSupported: ["header"],
                ResourceName: "Omni2 MCP gateway")))
            .AllowAnonymous()
            .WithTags("Auth").WithName("ProtectedResourceMetadata").WithSummary("RFC 9728 metadata of /mcp: where its tokens come from.");
        return app;
    }

    /// <summary>
    /// A 401 on <paramref name="resourcePath"/> names the metadata document in <c>WWW-Authenticate</c>
    /// (RFC 9728 section 5.1), keeping the bearer error the handler found.
    /// </summary>
    public static Task ChallengeAsync(JwtBearerChallengeContext context, string resourcePath)
    {
        if (!context.Request.Path.StartsWithSegments(resourcePath))
        {
            return Task.CompletedTask;
        }
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var error = string.IsNullOrEmpty(context.Error) ? "" : $", error=\"{context.Error}\"";
        context.Response.Headers.WWWAuthenticate = $"Bearer resource_metadata=\"{Origin(context.Request)}{WellKnownPrefix}{resourcePath}\"{error}";
        return Task.CompletedTask;
    }

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase}";

    private sealed record Document(
        [property: JsonPropertyName("resource")] string Resource,
        [property: JsonPropertyName("authorization_servers")] string[] AuthorizationServers,
        [property: JsonPropertyName("bearer_methods_supported")] string[] BearerMethodsSupported,
        [property: JsonPropertyName("resource_name")] string ResourceName);
}
