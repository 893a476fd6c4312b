using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.Benchmarks;

/// <summary>
/// A fleet of healthy servers with tools shaped like real MCP servers' (a short description, a small object
/// schema), and as many resources each (a file URI, a name, a description, a MIME type).
/// </summary>
public static class SyntheticCatalog
{
    private static readonly (string Name, string Description, string Schema)[] Tools =
    [
        ("search_issues", "Search issues by free text, label and state; newest first.",
            """{"type":"object","properties":{"query":{"type":"string","description":"Free-text query"},"state":{"type":"string","enum":["open","closed","all"],"default":"open"},"limit":{"type":"integer","minimum":1,"maximum":100,"default":20}},"required":["query"]}"""),
        ("get_issue", "Get one issue with its comments.",
            """{"type":"object","properties":{"id":{"type":"integer","description":"Issue number"},"include_comments":{"type":"boolean","default":true}},"required":["id"]}"""),
        ("create_issue", "Open a new issue.",
            """{"type":"object","properties":{"title":{"type":"string","maxLength":256},"body":{"type":"string"},"labels":{"type":"array","items":{"type":"string"}}},"required":["title"]}"""),
        ("read_file", "Read a file from the repository at a ref.",
            """{"type":"object","properties":{"path":{"type":"string","description":"Path from the repository root"},"ref":{"type":"string","default":"main"}},"required":["path"]}"""),
        ("list_directory", "List the entries of a directory.",
            """{"type":"object","properties":{"path":{"type":"string","default":"/"},"recursive":{"type":"boolean","default":false}}}"""),
        ("run_query", "Run a read-only SQL query and return at most max_rows rows.",
            """{"type":"object","properties":{"sql":{"type":"string","description":"A single SELECT statement"},"max_rows":{"type":"integer","minimum":1,"maximum":1000,"default":100}},"required":["sql"]}"""),
        ("get_weather", "Current conditions and a three-day forecast for a place.",
            """{"type":"object","properties":{"city":{"type":"string"},"units":{"type":"string","enum":["metric","imperial"],"default":"metric"}},"required":["city"]}"""),
        ("send_message", "Post a message to a channel.",
            """{"type":"object","properties":{"channel":{"type":"string","pattern":"^#[a-z0-9-]+$"},"text":{"type":"string","maxLength":4000}},"required":["channel","text"]}"""),
        ("fetch_url", "Fetch a URL and return its text content.",
            """{"type":"object","properties":{"url":{"type":"string","format":"uri"},"max_length":{"type":"integer","default":5000}},"required":["url"]}"""),
        ("echo", "Echo the input back; for connectivity checks.",
            """{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"""),
    ];

    public static string ServerName(int index) => $"srv-{index:D4}";

    private static McpServerListings Resources(string server) => new([], [.. Tools.Select(t =>
        {
            var uri = $"file:///{server}/docs/{t.Name}.md";
            return new McpListedItem(uri, System.Text.Json.JsonSerializer.Serialize(new { uri, name = $"{t.Name}.md", description = $"How to use {t.Name}.", mimeType = "text/markdown" }));
        })], []);

    public static IReadOnlyList<CatalogEntry> Rows(int servers)
    {
        var tools = ImmutableArray.CreateRange(Tools.Select(t => new McpToolInfo { Name = t.Name, Description = t.Description, InputSchemaJson = t.Schema }));
        var checkedAt = DateTimeOffset.UtcNow;
        return [.. Enumerable.Range(0, servers).Select(i =>
        {
            var name = ServerName(i);
            return new CatalogEntry(
                new McpServerInfo(name, McpTransport.StreamableHttp, Enabled: true, AllowedRoles: []),
                new McpServerStatus { Name = name, Status = HealthStatus.Healthy, Circuit = CircuitState.Closed, LastCheckAt = checkedAt, ToolCount = tools.Length, Version = 1 },
                tools)
            {
                Listings = Resources(name),
            };
        })];
    }
}
