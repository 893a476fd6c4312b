using Microsoft.AspNetCore.Authorization;
using Omni2.Host.Http;

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
                ProblemResult.Document(endpoint, [StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden]);
            }
        });
        return builder;
    }
}
