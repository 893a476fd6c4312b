using Omni2.Contracts;
using Omni2.Host.Registration;

namespace Omni2.UnitTests.Registration;

/// <summary>
/// The one validator of a registration, which the API and <c>Omni2:Servers</c> share: every error by
/// field at once, and a configuration with every default from <see cref="ServerLimits"/> when there is none.
/// </summary>
public sealed class ServerRegistrationValidatorTests
{
    private static readonly StdioOptions Stdio = new() { AllowedCommands = ["node"] };

    private static ServerRegistration Http(string name = "alpha") => new() { Name = name, Transport = "streamable_http", Url = "http://127.0.0.1:9/mcp" };

    private static (McpServerConfig? Config, Dictionary<string, string[]> Errors) Validate(ServerRegistration body, string? routeName = null)
    {
        var config = ServerRegistrationValidator.Validate(body, routeName, Stdio, out var errors);
        return (config, errors);
    }

    [Fact]
    public void A_minimal_registration_takes_every_default_from_the_server_limits()
    {
        var (config, errors) = Validate(Http());

        Assert.Empty(errors);
        Assert.NotNull(config);
        Assert.Equal(("alpha", McpTransport.StreamableHttp, "http://127.0.0.1:9/mcp", true), (config.Name, config.Transport, config.Url, config.Enabled));
        Assert.Equal(ServerLimits.DefaultHealthCheckIntervalSeconds, config.HealthCheckIntervalSeconds);
        Assert.Equal(ServerLimits.DefaultCheckTimeoutSeconds, config.CheckTimeoutSeconds);
        Assert.Equal(ServerLimits.DefaultConnectTimeoutSeconds, config.ConnectTimeoutSeconds);
        Assert.Equal(ServerLimits.DefaultCallTimeoutSeconds, config.CallTimeoutSeconds);
        Assert.Equal(ServerLimits.DefaultMaxConcurrentCalls, config.MaxConcurrentCalls);
        Assert.Empty(config.AllowedRoles);
        Assert.Empty(config.ToolRoles);
    }

    [Fact]
    public void Every_error_is_collected_by_its_field_at_once()
    {
        var (config, errors) = Validate(new ServerRegistration { Name = "Not Valid", CallTimeoutSeconds = 0, AllowedRoles = ["root"] });

        Assert.Null(config);
        Assert.Equal(["allowed_roles", "call_timeout_seconds", "name", "transport"], errors.Keys.Order());
        Assert.Equal(["'root' is not one of viewer, operator, admin"], errors["allowed_roles"]);
        Assert.Equal([$"must be between 1 and {ServerLimits.MaxCallTimeoutSeconds}"], errors["call_timeout_seconds"]);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("my-server_1", true)]
    [InlineData("Upper", false)]
    [InlineData("two__parts", false)] // would split a qualified tool name server__tool in two ways
    [InlineData("trailing_", false)]
    [InlineData("-leading", false)]
    [InlineData("", false)]
    public void A_name_splits_back_out_of_a_qualified_tool_name_in_exactly_one_way(string name, bool valid)
    {
        Assert.Equal(valid, ServerRegistrationValidator.IsValidName(name));
        Assert.Equal(valid, !Validate(Http(name)).Errors.ContainsKey("name"));
    }

    [Fact]
    public void A_name_of_64_characters_is_too_long()
    {
        Assert.True(ServerRegistrationValidator.IsValidName(new string('a', 63)));
        Assert.False(ServerRegistrationValidator.IsValidName(new string('a', 64)));
    }

    [Fact]
    public void A_replacement_cannot_rename_the_server_in_its_path()
    {
        var (_, errors) = Validate(Http("beta"), routeName: "alpha");

        Assert.Equal(["'beta' differs from the server in the path, 'alpha'; a server cannot be renamed"], errors["name"]);
        Assert.Equal("alpha", Validate(new ServerRegistration { Transport = "sse", Url = "https://example.com/sse" }, routeName: "alpha").Config!.Name);
    }

    [Fact]
    public void A_stdio_server_runs_only_an_allowed_command_and_takes_no_url_or_headers()
    {
        var refused = Validate(new ServerRegistration
        {
            Name = "tool", Transport = "stdio", Command = "bash", Url = "http://127.0.0.1/", Headers = new() { ["Authorization"] = "x" },
        }).Errors;

        Assert.Equal(["command", "headers", "url"], refused.Keys.Order());
        Assert.StartsWith("'bash' is not on the allow list (Omni2:Stdio:AllowedCommands: node)", refused["command"].Single());

        var (config, errors) = Validate(new ServerRegistration { Name = "tool", Transport = "stdio", Command = "node", Args = ["server.js"], Env = new() { ["TOKEN"] = "secret" } });
        Assert.Empty(errors);
        Assert.Equal((McpTransport.Stdio, null, "node"), (config!.Transport, config.Url, config.Command));
        Assert.Equal(["server.js"], config.Args.ToArray());
        Assert.Equal("secret", config.Env["TOKEN"]);
    }

    [Theory]
    [InlineData("ftp://host/mcp")]
    [InlineData("/relative/mcp")]
    [InlineData("not a url")]
    public void An_http_server_needs_an_absolute_http_or_https_url(string url)
    {
        var (_, errors) = Validate(new ServerRegistration { Name = "alpha", Transport = "streamable_http", Url = url });

        Assert.Equal(["must be an absolute http or https URL of at most 2048 characters"], errors["url"]);
    }

    [Fact]
    public void An_http_server_takes_no_command_and_only_valid_header_and_env_names()
    {
        var body = Http();
        body.Command = "node";
        body.Headers = new() { ["Bad Header"] = "x", ["X-Api-Key"] = "k" };

        var (_, errors) = Validate(body);

        Assert.Equal(["command, args and env are only for stdio"], errors["command"]);
        Assert.Equal(["'Bad Header' is not a valid HTTP header name"], errors["headers"]);
    }

    [Fact]
    public void Tool_roles_name_known_roles_and_at_least_one_per_tool()
    {
        var body = Http();
        body.ToolRoles = new() { ["echo"] = ["operator", "operator"], ["add"] = [], ["sum"] = ["superuser"] };

        var (_, errors) = Validate(body);

        Assert.Equal(
            ["'add' must name at least one role (a tool not named follows allowed_roles)", "'sum': 'superuser' is not one of viewer, operator, admin"],
            errors["tool_roles"].Order());

        body.ToolRoles = new() { ["echo"] = ["operator", "operator"] };
        Assert.Equal(["operator"], Validate(body).Config!.ToolRoles["echo"].ToArray());
    }

    [Fact]
    public void Unknown_transports_are_named_in_the_error()
    {
        var (_, errors) = Validate(new ServerRegistration { Name = "alpha", Transport = "websocket", Url = "http://127.0.0.1/" });

        Assert.Equal(["'websocket' is not one of streamable_http, sse, stdio"], errors["transport"]);
    }
}
