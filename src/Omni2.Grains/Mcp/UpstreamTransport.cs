using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>The SDK transport of an <see cref="McpConnection"/>: a stdio process, or HTTP through the silo's pool (<see cref="McpHttp"/>).</summary>
internal static class UpstreamTransport
{
    /// <summary>The event stream of a connection that has none (stdio, or a sessionless server) never breaks.</summary>
    public static readonly Task<string> NeverBroken = new TaskCompletionSource<string>().Task;

    /// <summary>What a connection starts with: its transport, its own HTTP client if it has one, and when its event stream broke.</summary>
    public static (IClientTransport Transport, HttpClient? Http, Task<string> StreamBroken) Create(McpServerConfig config, McpHttp http, ILoggerFactory loggerFactory)
    {
        if (config.Transport is McpTransport.Stdio)
        {
            return (Stdio(config), null, NeverBroken);
        }
        var (client, streamBroken) = http.ClientForConnection(eventStreamCarriesAnswers: config.Transport == McpTransport.Sse);
        return (Http(config, Endpoint(config), client, loggerFactory, ownsHttpClient: true), client, streamBroken);
    }

    /// <summary>A sessionless server's transport after it was discovered, on the silo's one sessionless client; and its endpoint.</summary>
    public static (IClientTransport Transport, Uri Endpoint) Sessionless(McpServerConfig config, McpHttp http, ILoggerFactory loggerFactory)
    {
        var endpoint = Endpoint(config);
        return (Http(config, endpoint, http.Sessionless, loggerFactory, ownsHttpClient: false), endpoint);
    }

    private static Uri Endpoint(McpServerConfig config) =>
        new(config.Url ?? throw new InvalidOperationException($"Server '{config.Name}' has no URL."));

    private static HttpClientTransport Http(McpServerConfig config, Uri endpoint, HttpClient client, ILoggerFactory loggerFactory, bool ownsHttpClient) =>
        new(new HttpClientTransportOptions
        {
            Name = config.Name,
            Endpoint = endpoint,
            TransportMode = config.Transport == McpTransport.Sse ? HttpTransportMode.Sse : HttpTransportMode.StreamableHttp,
            AdditionalHeaders = config.Headers,
            ConnectionTimeout = config.ConnectTimeout,
            // The grain owns reconnection (with its breaker); the transport must fail fast instead.
            MaxReconnectionAttempts = 0,
        }, client, loggerFactory, ownsHttpClient);

    /// <summary>
    /// A stdio server's process, started only if <see cref="StdioCommandRules"/> allow its command line (a
    /// row written to the database by hand was checked by nobody) and confined by <see cref="StdioSandbox"/>.
    /// </summary>
    private static StdioClientTransport Stdio(McpServerConfig config)
    {
        var command = config.Command ?? throw new InvalidOperationException($"Server '{config.Name}' has no command.");
        if (StdioCommandRules.Check(command, config.Args, config.Env.Keys) is { Count: > 0 } refusals)
        {
            throw new InvalidOperationException($"not started: {StdioCommandRules.Describe(refusals)}");
        }
        var (program, args) = StdioSandbox.Launch(command, config.Args);
        return new(new StdioClientTransportOptions
        {
            Name = config.Name,
            Command = program,
            Arguments = [.. args],
            // Never the silo's own environment: it holds the signing key and the database password.
            // Only what a process needs to start (PATH, HOME, ...) plus the server's configured env.
            InheritEnvironmentVariables = false,
            EnvironmentVariables = StdioEnvironment(config),
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        });
    }

    private static Dictionary<string, string?> StdioEnvironment(McpServerConfig config)
    {
        var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach (var (key, value) in config.Env)
        {
            environment[key] = value;
        }
        return environment;
    }
}
