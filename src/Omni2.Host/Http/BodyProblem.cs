using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni2.Host.Http;

/// <summary>What a JSON body can be wrong with: not JSON (415), too large (413), or not valid for the request (400).</summary>
public sealed class BodyProblem(ProblemHttpResult problem) : ProblemKind<BodyProblem>(problem), IProblemStatuses
{
    public static IReadOnlyList<int> Statuses { get; } = [StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType];
}
