using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Omni2.Host.Http;

/// <summary>
/// A kind of problem, named by its type, with the statuses it may have (<typeparamref name="TKind"/>'s
/// <see cref="IProblemStatuses.Statuses"/>): the one place that lists them for the OpenAPI document.
/// </summary>
public abstract class ProblemKind<TKind>(ProblemHttpResult problem) : ProblemResult(problem), IEndpointMetadataProvider
    where TKind : ProblemKind<TKind>, IProblemStatuses
{
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Document(builder, TKind.Statuses);
}
