using System.Globalization;
using Omni2.Host.Http;

namespace Omni2.Host.Api;

/// <summary>The one page size and time rule of the API's paged reads (the health log, the audit).</summary>
public static class Paging
{
    /// <summary>What a query's time must look like, for its 400.</summary>
    public const string TimeRule = "must be an RFC 3339 time with an offset, like 2026-05-01T10:00:00Z";

    // RFC 3339 with its offset: a time without one would be read in the silo's own zone.
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"];

    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>A 400 problem for a <c>limit</c> out of range, or null when it is fine (or not given).</summary>
    public static BadRequestProblem? LimitProblem(int? limit) =>
        limit is < 1 or > MaxLimit ? Problems.BadRequest($"limit must be between 1 and {MaxLimit}.") : null;

    /// <summary>A query's time (<see cref="TimeRule"/>), or false when it is not one.</summary>
    public static bool TryParseTime(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
}
