using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;

namespace Omni2.Host.Api;

/// <summary>
/// The fleet's status counts over the last hour in time buckets, of the servers the caller may see: what
/// the dashboard's fleet chart shows as soon as it opens.
/// </summary>
/// <remarks>
/// Built from <c>omni2.mcp_health_log</c> and the catalog, not from a ring each silo samples in memory:
/// every silo answers the same (a dashboard behind a load balancer, a silo started a minute ago), the past
/// survives restarts, and the servers counted are those the caller may see now, as in every other read.
/// It costs one aggregate per page open, its answer bounded by the buckets, not the fleet.
/// </remarks>
public static class FleetHistoryApi
{
    public const int MaxMinutes = 60;
    public const int MinBucketSeconds = 10;
    public const int MaxBucketSeconds = 600;

    public static IEndpointRouteBuilder MapFleetHistoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/mcp/status/history", ReadAsync)
            .WithTags("Servers").RequireAuthorization(Policies.Read)
            .WithName("GetStatusHistory")
            .WithSummary($"The status counts of the servers you may see at the end of each bucket: ?minutes= (1 to {MaxMinutes}, default 60), ?bucket_seconds= ({MinBucketSeconds} to {MaxBucketSeconds}, default 60).");
        return app;
    }

    private static async Task<Results<Ok<FleetHistoryView>, BadRequestProblem>> ReadAsync(
        int? minutes, [FromQuery(Name = "bucket_seconds")] int? bucketSeconds, HttpContext context, ServerCatalog catalog,
        IHealthLogReader log, TimeProvider time, CancellationToken cancellationToken)
    {
        if (minutes is < 1 or > MaxMinutes)
        {
            return Problems.BadRequest($"minutes must be between 1 and {MaxMinutes}.");
        }
        if (bucketSeconds is < MinBucketSeconds or > MaxBucketSeconds)
        {
            return Problems.BadRequest($"bucket_seconds must be between {MinBucketSeconds} and {MaxBucketSeconds}.");
        }
        var window = TimeSpan.FromMinutes(minutes ?? 60);
        var bucket = TimeSpan.FromSeconds(bucketSeconds ?? 60);
        if (bucket > window)
        {
            return Problems.BadRequest("bucket_seconds must not be longer than the window (minutes).");
        }
        var now = time.GetUtcNow();
        // The buckets that start inside the window, the one now included (the dashboard keeps the same ones).
        var last = Bucket(now, bucket);
        var first = Bucket(now - window, bucket) + 1;
        var visible = catalog.Current.VisibleTo(Roles.Of(context.User)).ToList();
        var moves = visible.Count == 0
            ? []
            : await log.ReadMovesAsync([.. visible.Select(e => e.Server.Name)], Start(first, bucket), bucket, cancellationToken);
        var counts = FleetHistory.Walk(visible.CountBy(e => e.Status.Status).ToDictionary(), moves, first, last);
        return TypedResults.Ok(new FleetHistoryView((int)bucket.TotalSeconds,
            [.. counts.Select((c, i) => new FleetBucketView(Start(first + i, bucket), FleetHistory.Named(c)))]));
    }

    private static long Bucket(DateTimeOffset at, TimeSpan bucket) => at.ToUnixTimeMilliseconds() / (long)bucket.TotalMilliseconds;

    private static DateTimeOffset Start(long bucket, TimeSpan width) => DateTimeOffset.FromUnixTimeMilliseconds(bucket * (long)width.TotalMilliseconds);
}

public sealed record FleetHistoryView(int BucketSeconds, IReadOnlyList<FleetBucketView> Buckets);

/// <summary>A bucket (by its start) and the count per status at its end (or now, for the current one).</summary>
public sealed record FleetBucketView(DateTimeOffset At, IReadOnlyDictionary<string, int> Counts);
