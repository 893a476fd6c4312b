using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni2.Host.Http;

/// <summary>A 400: a value of the request is wrong; the problem says which, and per field why (<c>errors</c>).</summary>
public sealed class BadRequestProblem(ProblemHttpResult problem) : ProblemKind<BadRequestProblem>(problem), IProblemStatuses
{
    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status400BadRequest];
}
