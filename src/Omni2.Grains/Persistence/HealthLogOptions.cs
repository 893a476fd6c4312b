namespace Omni2.Grains.Persistence;

/// <summary>Section <c>Omni2:HealthLog</c>: how long health-log rows are kept, and how often expired rows are swept.</summary>
public sealed class HealthLogOptions
{
    public const string Section = "Omni2:HealthLog";

    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often every retention (the health log's, session records') deletes what expired.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
