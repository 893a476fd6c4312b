using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Omni2.Host.Http;

/// <summary>A 400: a value of the request is wrong; the problem says which, and per field why (<c>errors</c>).</summary>
public sealed class BadRequestProblem(ProblemHttpResult problem) : ProblemResult(problem), IEndpointMetadataProvider
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        Document(builder, StatusCodes.Status400BadRequest);
}
