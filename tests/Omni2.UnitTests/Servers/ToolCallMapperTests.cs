using System.Net;
using System.Net.Sockets;
using ModelContextProtocol;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Grains.Servers;

namespace Omni2.UnitTests.Servers;

public sealed class ToolCallMapperTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("null")]
    public void Absent_or_null_arguments_are_none(string? json)
    {
        Assert.True(ToolCallMapper.TryParseArguments(json, out var arguments, out _));
        Assert.Empty(arguments);
    }

    [Fact]
    public void An_object_becomes_the_arguments()
    {
        Assert.True(ToolCallMapper.TryParseArguments("""{"message":"hi","n":2}""", out var arguments, out _));
        Assert.Equal(["message", "n"], arguments.Keys.Order());
    }

    [Theory]
    [InlineData("[1]", "not array")]
    [InlineData("\"text\"", "not string")]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"a":1,"a":2}""", "Duplicate")]
    [InlineData("""{"a":{"b":1,"b":2}}""", "Duplicate")]
    [InlineData("""{"message":"\ud800x"}""", "UTF-16 JSON text")]
    [InlineData("""{"\udc00":1}""", "UTF-16 JSON text")]
    [InlineData("""{"a":[{"b":"x\udfff"}]}""", "UTF-16 JSON text")]
    public void Anything_but_an_object_is_refused_with_what_it_was(string json, string expected)
    {
        Assert.False(ToolCallMapper.TryParseArguments(json, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    public void Http_5xx_404_and_redirects_from_the_endpoint_are_the_servers_fault(HttpStatusCode status) =>
        Assert.True(ToolCallMapper.IsServerFault(new HttpRequestException("upstream", null, status)));

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public void Other_4xx_are_the_callers_request_not_the_servers_fault(HttpStatusCode status) =>
        Assert.False(ToolCallMapper.IsServerFault(new HttpRequestException("upstream", null, status)));

    [Fact]
    public void Connection_refused_or_reset_is_the_servers_fault()
    {
        Assert.True(ToolCallMapper.IsServerFault(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(ToolCallMapper.IsServerFault(new IOException("reset", new SocketException((int)SocketError.ConnectionReset))));
    }

    [Fact]
    public void A_closed_transport_is_the_servers_fault() =>
        Assert.True(ToolCallMapper.IsServerFault(new McpException("The transport is closed.")));

    [Fact]
    public void A_json_rpc_error_is_no_fault_and_maps_to_the_caller()
    {
        var (invalid, fault) = ToolCallMapper.Failure(new McpProtocolException("bad params", McpErrorCode.InvalidParams), "s", "t", 60, 1);
        Assert.False(fault);
        Assert.Equal(ToolCallOutcome.InvalidArguments, invalid.Outcome);
        Assert.Equal(ToolCallOutcome.UnknownTool, ToolCallMapper.Failure(new McpProtocolException("no", McpErrorCode.MethodNotFound), "s", "t", 60, 1).Result.Outcome);
        Assert.Equal(ToolCallOutcome.UpstreamFailure, ToolCallMapper.Failure(new McpProtocolException("boom", McpErrorCode.InternalError), "s", "t", 60, 1).Result.Outcome);
    }

    [Fact]
    public void A_cancellation_by_the_caller_is_no_fault() =>
        Assert.False(ToolCallMapper.IsServerFault(new OperationCanceledException()));

    [Fact]
    public void A_call_timeout_is_a_timeout_that_names_the_limit_and_is_left_to_the_health_check()
    {
        var (result, fault) = ToolCallMapper.Failure(new TimeoutException(), "slowpoke", "sleep", 120, 120_000);
        Assert.Equal(ToolCallOutcome.Timeout, result.Outcome);
        Assert.Contains("within 120 s", result.Detail);
        Assert.False(fault);
    }

    [Fact]
    public void A_refusing_4xx_names_only_its_status_not_the_upstream_body()
    {
        var (result, fault) = ToolCallMapper.Failure(new HttpRequestException("secret body text", null, HttpStatusCode.RequestEntityTooLarge), "s", "t", 60, 1);
        Assert.False(fault);
        Assert.Equal(ToolCallOutcome.UpstreamFailure, result.Outcome);
        Assert.Contains("HTTP 413", result.Detail);
        Assert.DoesNotContain("secret", result.Detail);
    }

    [Fact]
    public void A_failure_names_its_class_never_the_upstreams_address()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (10.0.0.5:8080)", new SocketException((int)SocketError.ConnectionRefused));

        var (result, fault) = ToolCallMapper.Failure(refused, "s", "t", 60, 1);

        Assert.True(fault);
        Assert.Equal("MCP server 's' failed during 't': connection refused", result.Detail);
    }

    [Fact]
    public void A_result_over_the_cap_is_an_upstream_failure_that_names_it()
    {
        var limits = new UpstreamOptions { MaxToolResultBytes = 10 };
        var completed = new ToolCallResult { Outcome = ToolCallOutcome.Completed, ContentJson = """[{"type":"text","text":"hello"}]""" };

        var bounded = ToolCallMapper.Bounded(completed, "s", "t", limits);

        Assert.Equal(ToolCallOutcome.UpstreamFailure, bounded.Outcome);
        Assert.Equal("MCP server 's' failed during 't': tool result too large: 32 bytes > 10 (Omni2:Upstream:MaxToolResultBytes)", bounded.Detail);
        Assert.Same(completed, ToolCallMapper.Bounded(completed, "s", "t", new UpstreamOptions()));
    }

    [Fact]
    public void An_unhealthy_server_is_unavailable_with_its_retry_hint()
    {
        var result = ToolCallMapper.Unavailable("s", HealthStatus.CircuitOpen, TimeSpan.FromSeconds(30));
        Assert.Equal(ToolCallOutcome.Unavailable, result.Outcome);
        Assert.Contains("circuit_open", result.Detail);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }
}
