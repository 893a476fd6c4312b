using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Omni2.Host.Http;

/// <summary>A 403: the caller may not do this, whoever they are.</summary>
public sealed class ForbiddenProblem(ProblemHttpResult problem) : ProblemResult(problem), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Document(builder, StatusCodes.Status403Forbidden);
}
