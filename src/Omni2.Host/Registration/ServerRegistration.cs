namespace Omni2.Host.Registration;

/// <summary>The body of a registration (<c>POST /api/v1/mcp/servers</c>) or replacement (<c>PUT .../{name}</c>).</summary>
public sealed class ServerRegistration
{
    public string? Name { get; set; }
    public string? Transport { get; set; }
    public string? Url { get; set; }
    public string? Command { get; set; }
    public List<string>? Args { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public bool? Enabled { get; set; }
    public List<string>? AllowedRoles { get; set; }
    public int? HealthCheckIntervalSeconds { get; set; }
    public int? CheckTimeoutSeconds { get; set; }
    public int? ConnectTimeoutSeconds { get; set; }
    public int? CallTimeoutSeconds { get; set; }
    public int? MaxConcurrentCalls { get; set; }
    public Dictionary<string, List<string>>? ToolRoles { get; set; }
}
