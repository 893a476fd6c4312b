using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni2.Host.Http;

/// <summary>A 404: what the request names does not exist, or not for the caller.</summary>
public sealed class NotFoundProblem(ProblemHttpResult problem) : ProblemKind<NotFoundProblem>(problem), IProblemStatuses
{
    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status404NotFound];
}
