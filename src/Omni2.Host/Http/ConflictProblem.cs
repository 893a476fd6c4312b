using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Omni2.Host.Http;

/// <summary>A 409: the request contradicts what is there (a name taken, a tool not pending).</summary>
public sealed class ConflictProblem(ProblemHttpResult problem) : ProblemResult(problem), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Document(builder, StatusCodes.Status409Conflict);
}
