using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Omni2.Host.Auth;

/// <summary>The problems authorization answers before a handler runs, for the OpenAPI document.</summary>
public static class AuthorizationProblems
{
    /// <summary>Lists 401 (no valid token) and 403 (a role too low) among the responses of the group's endpoints that need a token.</summary>
    public static TBuilder ProducesAuthorizationProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IAuthorizeData>().Any() && !endpoint.Metadata.OfType<IAllowAnonymous>().Any())
            {
                foreach (var status in new[] { StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden })
                {
                    endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
                }
            }
        });
        return builder;
    }
}
