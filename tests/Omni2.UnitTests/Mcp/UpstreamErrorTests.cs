using System.Net;
using System.Net.Sockets;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Omni2.Grains.Mcp;

namespace Omni2.UnitTests.Mcp;

public sealed class UpstreamErrorTests
{
    [Fact]
    public void An_http_failure_is_its_status_without_the_body_the_sdk_put_in_the_message()
    {
        var error = new HttpRequestException(
            "Response status code does not indicate success: 500 (Internal Server Error). Response body: secret stack of db01.internal:5432", null, HttpStatusCode.InternalServerError);

        Assert.Equal("HTTP 500 Internal Server Error", UpstreamError.Describe(error));
    }

    [Theory]
    [InlineData(HttpStatusCode.TemporaryRedirect, "HTTP 307 Temporary Redirect (redirects are not followed)")]
    [InlineData(HttpStatusCode.MovedPermanently, "HTTP 301 Moved Permanently (redirects are not followed)")]
    [InlineData(HttpStatusCode.Found, "HTTP 302 Found (redirects are not followed)")]
    [InlineData(HttpStatusCode.PermanentRedirect, "HTTP 308 Permanent Redirect (redirects are not followed)")]
    public void A_redirect_names_its_status_and_that_it_is_not_followed(HttpStatusCode status, string expected) =>
        Assert.Equal(expected, UpstreamError.Describe(new HttpRequestException("moved to http://10.0.0.5:8080/", null, status)));

    [Fact]
    public void A_refused_connection_says_so_without_its_address()
    {
        var error = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (10.0.0.5:8080)", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal("connection refused", UpstreamError.Describe(error));
    }

    [Fact]
    public void A_json_rpc_error_is_its_code_not_the_servers_message() =>
        Assert.Equal("JSON-RPC error -32603 (Internal Error)",
            UpstreamError.Describe(new McpProtocolException("Request failed (remote): password=hunter2", McpErrorCode.InternalError)));

    [Fact]
    public void A_stdio_exit_is_its_exit_code_not_its_stderr()
    {
        var closed = new ClientTransportClosedException(new StdioClientCompletionDetails
        {
            ExitCode = 3,
            StandardErrorTail = ["DATABASE_URL=postgres://user:pw@db:5432"],
        });

        Assert.Equal("process exited with code 3", UpstreamError.Describe(closed));
    }

    [Fact]
    public void Unknown_text_keeps_its_first_line_only_and_loses_its_addresses()
    {
        var error = new IOException($"MCP server process exited unexpectedly{Environment.NewLine}Server's stderr tail:{Environment.NewLine}token=abc");
        Assert.Equal("MCP server process exited unexpectedly", UpstreamError.Describe(error));

        var described = UpstreamError.Describe(new InvalidOperationException(
            "failed at https://user:pw@mcp.internal/x, then 10.1.2.3:9000, [fd00::1]:443, api.corp.example:8443 and localhost:5000"));
        foreach (var address in new[] { "mcp.internal", "10.1.2.3", "fd00::1", "corp.example", "5000" })
        {
            Assert.DoesNotContain(address, described);
        }
    }

    [Fact]
    public void A_cap_names_itself() =>
        Assert.Equal("tool list too large: 100000 tools > 1000 (Omni2:Upstream:MaxTools)",
            UpstreamError.Describe(UpstreamLimitExceededException.Over("tool list", "100000 tools", 1000, nameof(UpstreamOptions.MaxTools))));

    [Fact]
    public void Long_text_is_bounded() =>
        Assert.True(UpstreamError.Describe(new InvalidOperationException(new string('x', 5000))).Length <= 203);
}
