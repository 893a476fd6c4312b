using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni2.Host.Http;

/// <summary>A 403: the caller may not do this, whoever they are.</summary>
public sealed class ForbiddenProblem(ProblemHttpResult problem) : ProblemKind<ForbiddenProblem>(problem), IProblemStatuses
{
    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status403Forbidden];
}
