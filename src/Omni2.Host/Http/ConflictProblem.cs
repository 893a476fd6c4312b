using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni2.Host.Http;

/// <summary>A 409: the request contradicts what is there (a name taken, a tool not pending).</summary>
public sealed class ConflictProblem(ProblemHttpResult problem) : ProblemKind<ConflictProblem>(problem), IProblemStatuses
{
    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status409Conflict];
}
