using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Omni2.Host.Http;

/// <summary>A 404: what the request names does not exist, or not for the caller.</summary>
public sealed class NotFoundProblem(ProblemHttpResult problem) : ProblemResult(problem), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Document(builder, StatusCodes.Status404NotFound);
}
