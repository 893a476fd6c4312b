using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Omni2.Testing;

/// <summary>Requests every test project makes of a host's API: JSON bodies, registration, waiting for a status.</summary>
public static class ApiRequests
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static string HttpServer(string name, Uri url, string extra = "", int intervalSeconds = 1) =>
        $$"""{"name":"{{name}}","transport":"streamable_http","url":"{{url}}","health_check_interval_seconds":{{intervalSeconds}},"check_timeout_seconds":2,"call_timeout_seconds":2{{extra}}}""";

    /// <summary>Registers through the admin API and returns the response (201 expected).</summary>
    public static async Task<HttpResponseMessage> RegisterAsync(this ApiHost host, string body)
    {
        using var admin = host.ClientAs("admin");
        return await admin.PostAsync("/api/v1/mcp/servers", Json(body));
    }

    public static async Task<JsonElement> ServerViewAsync(this HttpClient client, string name)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/mcp/tools/servers");
        return list.GetProperty("servers").EnumerateArray().FirstOrDefault(s => s.GetProperty("name").GetString() == name);
    }

    public static Task<JsonElement> WaitForHealthAsync(this HttpClient client, string name, string status, TimeSpan? timeout = null) =>
        Eventually.MatchesAsync(
            () => client.ServerViewAsync(name),
            s => s.ValueKind == JsonValueKind.Object && s.GetProperty("health_status").GetString() == status,
            timeout ?? TimeSpan.FromSeconds(15),
            $"'{name}' to be {status} in the API");
}
