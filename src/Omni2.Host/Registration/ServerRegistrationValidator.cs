using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Host.Auth;

namespace Omni2.Host.Registration;

/// <summary>Checks a registration and turns it into configuration, collecting every error by field.</summary>
public static partial class ServerRegistrationValidator
{
    /// <summary>
    /// Lowercase letters, digits, '_' and '-', at most 63 characters; never "__" and never a trailing
    /// '_', so that a tool's qualified name <c>server__tool</c> splits back in exactly one way.
    /// </summary>
    public const string NamePattern = "^(?!.*__)(?!.*_$)[a-z0-9][a-z0-9_-]{0,62}$";

    [GeneratedRegex(NamePattern)]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderNameRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNameRegex();

    public static bool IsValidName(string? name) => name is not null && NameRegex().IsMatch(name);

    public static McpServerConfig? Validate(ServerRegistration body, string? routeName, StdioOptions stdio, out Dictionary<string, string[]> errors)
    {
        var found = new Dictionary<string, List<string>>();
        void Error(string field, string message) => (found.TryGetValue(field, out var list) ? list : found[field] = []).Add(message);

        var name = body.Name ?? routeName;
        if (name is null)
        {
            Error("name", "is required");
        }
        else if (!IsValidName(name))
        {
            Error("name", $"must match {NamePattern} (lowercase letters, digits, '_' and '-', at most 63 characters, no '__', not ending in '_')");
        }
        else if (routeName is not null && body.Name is not null && body.Name != routeName)
        {
            Error("name", $"'{body.Name}' differs from the server in the path, '{routeName}'; a server cannot be renamed");
        }

        McpTransport transport = default;
        if (body.Transport is null)
        {
            Error("transport", "is required: streamable_http, sse or stdio");
        }
        else if (!WireNames.TryParseTransport(body.Transport, out transport))
        {
            Error("transport", $"'{body.Transport}' is not one of streamable_http, sse, stdio");
        }
        else if (transport is McpTransport.Stdio)
        {
            if (string.IsNullOrWhiteSpace(body.Command))
            {
                Error("command", "is required for stdio");
            }
            else if (!stdio.AllowedCommands.Contains(body.Command, StringComparer.Ordinal))
            {
                Error("command", $"'{body.Command}' is not on the allow list ({StdioOptions.Section}:AllowedCommands: {string.Join(", ", stdio.AllowedCommands)})");
            }
            else if (body.Args?.Any(a => a is null) != true)
            {
                foreach (var refusal in StdioCommandRules.Check(body.Command, body.Args ?? [], body.Env?.Keys ?? Enumerable.Empty<string>()))
                {
                    Error(refusal.Field, refusal.Reason);
                }
            }
            if (body.Url is not null)
            {
                Error("url", "is only for streamable_http and sse");
            }
            if (body.Headers is { Count: > 0 })
            {
                Error("headers", "are only for streamable_http and sse");
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(body.Url))
            {
                Error("url", $"is required for {body.Transport}");
            }
            else if (!Uri.TryCreate(body.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || body.Url.Length > 2048)
            {
                Error("url", "must be an absolute http or https URL of at most 2048 characters");
            }
            if (body.Command is not null || body.Args is { Count: > 0 } || body.Env is { Count: > 0 })
            {
                Error("command", "command, args and env are only for stdio");
            }
        }

        if (body.Args is { } args && (args.Count > 64 || args.Any(a => a is null || a.Length > 1024)))
        {
            Error("args", "must be at most 64 strings of at most 1024 characters");
        }
        foreach (var key in body.Env?.Keys ?? Enumerable.Empty<string>())
        {
            if (!EnvNameRegex().IsMatch(key))
            {
                Error("env", $"'{key}' is not a valid environment variable name");
            }
        }
        foreach (var key in body.Headers?.Keys ?? Enumerable.Empty<string>())
        {
            if (!HeaderNameRegex().IsMatch(key))
            {
                Error("headers", $"'{key}' is not a valid HTTP header name");
            }
        }
        if ((body.Env?.Values ?? Enumerable.Empty<string>()).Concat(body.Headers?.Values ?? Enumerable.Empty<string>()).Any(v => v is null || v.Length > 4096))
        {
            Error("env", "env and header values must be strings of at most 4096 characters");
        }
        CheckRoles(body.AllowedRoles, "allowed_roles", Error);
        if (body.ToolRoles is { Count: > ServerLimits.MaxToolRoles })
        {
            Error("tool_roles", $"may name at most {ServerLimits.MaxToolRoles} tools");
        }
        foreach (var (tool, roles) in body.ToolRoles ?? [])
        {
            if (tool.Length is 0 or > ServerLimits.MaxToolNameLength)
            {
                Error("tool_roles", $"'{tool}' is not a tool name (1 to {ServerLimits.MaxToolNameLength} characters)");
            }
            else if (roles is not { Count: > 0 })
            {
                Error("tool_roles", $"'{tool}' must name at least one role (a tool not named follows allowed_roles)");
            }
            CheckRoles(roles, "tool_roles", Error, $"'{tool}': ");
        }
        CheckRange(body.HealthCheckIntervalSeconds, "health_check_interval_seconds", 1, ServerLimits.MaxHealthCheckIntervalSeconds, Error);
        CheckRange(body.CheckTimeoutSeconds, "check_timeout_seconds", 1, ServerLimits.MaxCheckTimeoutSeconds, Error);
        CheckRange(body.ConnectTimeoutSeconds, "connect_timeout_seconds", 1, ServerLimits.MaxConnectTimeoutSeconds, Error);
        CheckRange(body.CallTimeoutSeconds, "call_timeout_seconds", 1, ServerLimits.MaxCallTimeoutSeconds, Error);
        CheckRange(body.MaxConcurrentCalls, "max_concurrent_calls", 1, ServerLimits.MaxMaxConcurrentCalls, Error);

        errors = found.ToDictionary(p => p.Key, p => p.Value.ToArray());
        if (errors.Count > 0)
        {
            return null;
        }
        return new McpServerConfig
        {
            Name = name!,
            Transport = transport,
            Url = transport is McpTransport.Stdio ? null : body.Url,
            Command = transport is McpTransport.Stdio ? body.Command : null,
            Args = [.. body.Args ?? []],
            Env = (body.Env ?? []).ToImmutableDictionary(),
            Headers = (body.Headers ?? []).ToImmutableDictionary(),
            Enabled = body.Enabled ?? true,
            AllowedRoles = [.. (body.AllowedRoles ?? []).Distinct()],
            HealthCheckIntervalSeconds = body.HealthCheckIntervalSeconds ?? ServerLimits.DefaultHealthCheckIntervalSeconds,
            CheckTimeoutSeconds = body.CheckTimeoutSeconds ?? ServerLimits.DefaultCheckTimeoutSeconds,
            ConnectTimeoutSeconds = body.ConnectTimeoutSeconds ?? ServerLimits.DefaultConnectTimeoutSeconds,
            CallTimeoutSeconds = body.CallTimeoutSeconds ?? ServerLimits.DefaultCallTimeoutSeconds,
            MaxConcurrentCalls = body.MaxConcurrentCalls ?? ServerLimits.DefaultMaxConcurrentCalls,
            ToolRoles = (body.ToolRoles ?? []).ToImmutableDictionary(p => p.Key, p => p.Value.Distinct().ToImmutableArray(), StringComparer.Ordinal),
        };
    }

    /// <summary>A summary of the errors for the problem's <c>detail</c>.</summary>
    public static string Summary(Dictionary<string, string[]> errors) =>
        string.Join("; ", errors.SelectMany(p => p.Value.Select(m => $"{p.Key} {m}")));

    private static void CheckRoles(List<string>? roles, string field, Action<string, string> error, string prefix = "")
    {
        foreach (var role in roles ?? [])
        {
            if (role is null || !Roles.IsKnown(role))
            {
                error(field, $"{prefix}'{role}' is not one of {string.Join(", ", Roles.All)}");
            }
        }
    }

    private static void CheckRange(int? value, string field, int min, int max, Action<string, string> error)
    {
        if (value is { } v && (v < min || v > max))
        {
            error(field, $"must be between {min} and {max}");
        }
    }
}
