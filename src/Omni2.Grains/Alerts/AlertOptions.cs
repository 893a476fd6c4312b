namespace Omni2.Grains.Alerts;

/// <summary>Section <c>Omni2:Alerts</c>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Omni2:Alerts";

    /// <summary>This many servers failing within <see cref="Window"/> make one critical alert (seed: "several").</summary>
    public int BurstThreshold { get; set; } = 3;

    /// <summary>The burst window; a burst ends after a whole window without a new failure.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Admin webhooks (JSON POST with a Slack-compatible <c>text</c>).</summary>
    public List<string> Webhooks { get; set; } = [];

    public int WebhookAttempts { get; set; } = 4;

    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First pause between attempts; doubles each time.</summary>
    public TimeSpan WebhookBackoff { get; set; } = TimeSpan.FromSeconds(1);
}
