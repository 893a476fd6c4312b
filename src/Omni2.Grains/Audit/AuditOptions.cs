namespace Omni2.Grains.Audit;

/// <summary>The audit of tool calls (<c>Omni2:Audit</c>), validated at startup.</summary>
public sealed class AuditOptions
{
    public const string Section = "Omni2:Audit";

    /// <summary>Off only to measure what auditing costs (the tool-call benchmark): every call is audited by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a call stays in the log; every silo deletes what expired every <c>Omni2:HealthLog:SweepInterval</c>.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Calls waiting to be written; when full (the database is away), new ones are dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The most calls written in one batch.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>The embedded default keeps this many calls in memory, the newest.</summary>
    public int MemoryCapacity { get; set; } = 10_000;

    public bool IsValid() => Retention > TimeSpan.Zero && QueueCapacity > 0 && MaxBatch > 0 && MemoryCapacity > 0;
}
