namespace Omni2.Grains.Alerts;

/// <summary>Section <c>Omni2:Alerts</c>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Omni2:Alerts";

    /// <summary>This many servers failing within <see cref="Window"/> make one critical alert.</summary>
    public int BurstThreshold { get; set; } = 3;

    /// <summary>The burst window; a burst ends after a whole window without a new failure.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Admin webhooks (JSON POST with a Slack-compatible <c>text</c>).</summary>
    public List<string> Webhooks { get; set; } = [];

    /// <summary>Attempts per notice and webhook, the first included (1: no retry).</summary>
    public int WebhookAttempts { get; set; } = 4;

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The median pause before the first retry; it doubles each time, with jitter. A <c>Retry-After</c> replaces it.</summary>
    public TimeSpan WebhookBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one delivery may take in all, attempts and pauses (a long <c>Retry-After</c> included).</summary>
    public TimeSpan WebhookDeliveryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>At shutdown, how long queued and unfinished deliveries still get; what is left then is dropped and counted.</summary>
    public TimeSpan WebhookShutdownGrace { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsValid() =>
        BurstThreshold > 0 && Window > TimeSpan.Zero && WebhookAttempts > 0 && WebhookTimeout > TimeSpan.Zero
        && WebhookBackoff > TimeSpan.Zero && WebhookDeliveryTimeout >= WebhookTimeout && WebhookShutdownGrace >= TimeSpan.Zero;
}
