namespace Omni2.Host.Api;

/// <summary>The one page size rule of the API's paged reads (the health log, the audit).</summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>A 400 problem for a <c>limit</c> out of range, or null when it is fine (or not given).</summary>
    public static IResult? LimitProblem(int? limit) =>
        limit is < 1 or > MaxLimit ? Problems.BadRequest($"limit must be between 1 and {MaxLimit}.") : null;
}
