using Omni2.Grains.Mcp;
using Omni2.Host.Registration;

namespace Omni2.UnitTests.Servers;

public sealed class StdioCommandRulesTests
{
    public static TheoryData<string, string[]> Allowed() => new()
    {
        { "npx", ["-y", "@modelcontextprotocol/server-everything", "stdio"] },
        { "npx", ["-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio"] },
        // After the package, arguments are the server's own, whatever they look like.
        { "npx", ["-y", "@playwright/mcp", "-p", "8931", "-e", "x", "-c", "config.json"] },
        { "npx", ["--yes", "--package=some-server", "--", "some-server", "--require", "x"] },
        { "npx", ["-p", "some-server", "some-server", "-c", "config"] },
        { "node", ["/srv/server.js", "stdio", "-p", "3000"] },
        { "node", ["--no-warnings", "server.js", "-e", "x"] },
        { "node", ["--max-old-space-size=512", "server.js"] },
        // An option that may take a value takes it: "omni2" is --title's, server.js is the script.
        { "node", ["--title", "omni2", "server.js", "-r"] },
        { "/usr/bin/node", ["dist/index.js", "stdio", "--omni2-test", "x"] },
        { "uvx", ["mcp-server-fetch", "-c", "cfg"] },
        { "uvx", ["--from", "git+https://example.org/repo", "mcp-server-x", "--eval"] },
        { "python3", ["-u", "-m", "mcp_server_time", "-c", "x"] },
        { "python", ["-mjson.tool", "-c"] },
        { "python3.12", ["-W", "ignore", "server.py", "-c", "x"] },
        { "bash", ["-e", "start.sh", "-c", "x"] },
        { "bash", ["-o", "pipefail", "start.sh"] },
        { "my-mcp-server", ["-e", "-c", "--require"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Scripts_packages_and_their_own_arguments_are_allowed(string command, string[] args) =>
        Assert.Empty(StdioCommandRules.Check(command, args, []));

    public static TheoryData<string, string[], string, string> Refused() => new()
    {
        { "node", ["-e", "require('fs')"], "args[0]", "'-e' runs inline code (node)" },
        { "node", ["--eval", "x"], "args[0]", "'--eval' runs inline code" },
        { "node", ["--eval=process.exit()"], "args[0]", "'--eval' runs inline code" },
        { "node", ["-p", "1"], "args[0]", "'-p' runs inline code" },
        { "node", ["--print", "1"], "args[0]", "'--print' runs inline code" },
        { "node", ["-pe", "1"], "args[0]", "'-pe' runs inline code" },
        { "node", ["-r", "/tmp/x.js", "server.js"], "args[0]", "'-r' preloads code" },
        { "node", ["--require=/tmp/x.js", "server.js"], "args[0]", "'--require' preloads code" },
        { "node", ["--import", "data:text/javascript,1", "server.js"], "args[0]", "'--import' preloads code" },
        { "node", ["--loader", "x", "server.js"], "args[0]", "'--loader' preloads code" },
        { "node", ["--experimental-loader=x", "server.js"], "args[0]", "'--experimental-loader' preloads code" },
        { "node", ["--env-file=.env", "server.js"], "args[0]", "NODE_OPTIONS included" },
        { "node", ["--inspect=0.0.0.0:9229", "server.js"], "args[0]", "debugger" },
        { "node", ["--title", "x", "-e", "1"], "args[2]", "'-e' runs inline code" },
        { "node", ["--unknown-flag", "x", "-e", "1"], "args[2]", "'-e' runs inline code" },
        { "nodejs", ["-e", "1"], "args[0]", "'-e' runs inline code" },
        { "npx", ["-c", "id"], "args[0]", "'-c' runs a shell command (npx)" },
        { "npx", ["--call=id"], "args[0]", "'--call' runs a shell command" },
        { "npx", ["-yc", "id"], "args[0]", "'-yc' runs a shell command" },
        { "npx", ["--node-options=--require=x", "pkg"], "args[0]", "NODE_OPTIONS" },
        { "npx", ["-y", "node@20", "-e", "1"], "args[2]", "'-e' runs inline code (node)" },
        { "npx", ["-y", "--", "node", "--require", "x", "s.js"], "args[3]", "'--require' preloads code (node)" },
        { "uvx", ["python", "-c", "import os"], "args[1]", "'-c' runs inline code (python)" },
        { "uvx", ["--python", "3.12", "python@3.12", "-c", "1"], "args[3]", "'-c' runs inline code (python)" },
        { "python3", ["-c", "import os"], "args[0]", "'-c' runs inline code (python)" },
        { "python3", ["-Bc", "1"], "args[0]", "'-Bc' runs inline code" },
        { "sh", ["-c", "id"], "args[0]", "'-c' runs inline code (shell)" },
        { "bash", ["-ec", "id"], "args[0]", "'-ec' runs inline code" },
        { "bash", ["+x", "-c", "id"], "args[1]", "'-c' runs inline code" },
        { "bash", ["-o", "pipefail", "-c", "id"], "args[2]", "'-c' runs inline code" },
        { "/bin/bash", ["--norc", "-c", "id"], "args[1]", "'-c' runs inline code" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Inline_code_and_preload_options_of_an_interpreter_are_refused_by_argument(string command, string[] args, string field, string reason)
    {
        var refusal = Assert.Single(StdioCommandRules.Check(command, args, []));
        Assert.Equal(field, refusal.Field);
        Assert.Contains(reason, refusal.Reason);
    }

    [Theory]
    [InlineData("NODE_OPTIONS")]
    [InlineData("NODE_PATH")]
    [InlineData("LD_PRELOAD")]
    [InlineData("LD_LIBRARY_PATH")]
    [InlineData("LD_AUDIT")]
    [InlineData("DYLD_INSERT_LIBRARIES")]
    [InlineData("PYTHONSTARTUP")]
    [InlineData("PYTHONPATH")]
    [InlineData("PYTHONHOME")]
    [InlineData("BASH_ENV")]
    [InlineData("ENV")]
    [InlineData("PATH")]
    [InlineData("npm_config_node_options")]
    [InlineData("NPM_CONFIG_CALL")]
    [InlineData("node_options")]
    public void Environment_that_loads_code_or_picks_programs_is_refused_by_name(string name)
    {
        var refusal = Assert.Single(StdioCommandRules.Check("npx", ["-y", "pkg"], [name, "API_KEY"]));
        Assert.Equal($"env.{name}", refusal.Field);
        Assert.StartsWith($"'{name}' ", refusal.Reason);
    }

    [Theory]
    [InlineData("API_KEY")]
    [InlineData("PYTHONUNBUFFERED")]
    [InlineData("NODE_ENV")]
    [InlineData("NODE_EXTRA_CA_CERTS")]
    [InlineData("NPM_CONFIG_REGISTRY")]
    [InlineData("LD")]
    [InlineData("ENVIRONMENT")]
    [InlineData("HOME")]
    public void Ordinary_environment_is_allowed(string name) =>
        Assert.Empty(StdioCommandRules.Check("node", ["server.js"], [name]));

    [Fact]
    public void Every_refusal_is_reported_at_once()
    {
        var refusals = StdioCommandRules.Check("node", ["-r", "x", "-e", "1"], ["LD_PRELOAD", "PATH"]);

        Assert.Equal(["args[0]", "args[2]", "env.LD_PRELOAD", "env.PATH"], refusals.Select(r => r.Field));
    }

    [Fact]
    public void A_registration_with_inline_code_gets_an_error_naming_the_argument()
    {
        var body = new ServerRegistration { Name = "x", Transport = "stdio", Command = "node", Args = ["--eval", "1"], Env = new() { ["NODE_OPTIONS"] = "--require /tmp/x.js" } };

        var config = ServerRegistrationValidator.Validate(body, null, new StdioOptions(), out var errors);

        Assert.Null(config);
        Assert.Equal(["args[0]", "env.NODE_OPTIONS"], errors.Keys.Order());
        Assert.StartsWith("'--eval' runs inline code (node)", errors["args[0]"][0]);
        Assert.Contains("args[0] '--eval' runs inline code", ServerRegistrationValidator.Summary(errors));
    }
}
