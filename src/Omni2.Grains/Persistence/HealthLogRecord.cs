namespace Omni2.Grains.Persistence;

/// <summary>A health-log row with its position, for paging.</summary>
public sealed record HealthLogRecord(long Id, HealthLogEntry Entry);
