using System.Net;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.Api;

/// <summary>REST resource reads and prompt gets, through the owning grain, against the official server-everything.</summary>
[Collection("api")]
public sealed class ReadsApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private EverythingServer _everything = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _everything = await EverythingServer.StartStreamableHttpAsync();
        _name = ClusterFixture.UniqueName("everything");
        var created = await fixture.A.RegisterAsync(
            $$"""{"name":"{{_name}}","transport":"streamable_http","url":"{{_everything.Endpoint}}","check_timeout_seconds":5,"allowed_roles":["viewer"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            using var admin = host.ClientAs("admin");
            await admin.WaitForHealthAsync(_name, "healthy", TimeSpan.FromSeconds(30));
        }
    }

    public async Task DisposeAsync() => await _everything.DisposeAsync();

    [Fact]
    public async Task Prompts_resources_and_templates_are_listed_by_their_servers_own_names()
    {
        using var viewer = fixture.B.ClientAs("viewer");

        var prompts = await Eventually.MatchesAsync(
            async () => await JsonOfAsync(await viewer.GetAsync($"/api/v1/mcp/prompts?server={_name}")),
            p => p.GetProperty("prompts").GetArrayLength() > 0, TimeSpan.FromSeconds(15), "the prompts in B's catalog");
        var resources = await JsonOfAsync(await viewer.GetAsync($"/api/v1/mcp/resources?server={_name}"));

        Assert.Contains(prompts.GetProperty("prompts").EnumerateArray(),
            p => p.GetProperty("server").GetString() == _name && p.GetProperty("definition").GetProperty("name").GetString() == "args-prompt");
        Assert.All(resources.GetProperty("resources").EnumerateArray(), r => Assert.Equal(_name, r.GetProperty("server").GetString()));
        Assert.NotEmpty(resources.GetProperty("resources").EnumerateArray());
        Assert.Contains(resources.GetProperty("resource_templates").EnumerateArray(),
            t => t.GetProperty("definition").GetProperty("uriTemplate").GetString() == "demo://resource/dynamic/text/{resourceId}");
        await AssertProblemAsync(await viewer.GetAsync("/api/v1/mcp/prompts?server=never-registered"), HttpStatusCode.NotFound, "never-registered");
    }

    [Fact]
    public async Task A_viewer_reads_a_resource_by_its_servers_uri_on_any_host()
    {
        using var viewer = fixture.B.ClientAs("viewer");

        var response = await viewer.PostAsync("/api/v1/mcp/resources/read", Json($$"""{"server":"{{_name}}","uri":"demo://resource/dynamic/text/3"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = await JsonOfAsync(response);
        Assert.Equal("demo://resource/dynamic/text/3", read.GetProperty("contents")[0].GetProperty("uri").GetString());
        Assert.True(read.GetProperty("duration_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task A_prompt_is_got_with_its_arguments()
    {
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.PostAsync("/api/v1/mcp/prompts/get", Json($$$"""{"server":"{{{_name}}}","prompt":"args-prompt","arguments":{"city":"Porto","state":"Norte"}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var prompt = await JsonOfAsync(response);
        Assert.Contains("Porto, Norte", prompt.GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("/api/v1/mcp/prompts/get", """{"server":"{name}","prompt":"args-prompt","arguments":{"city":7}}""", "'city' is number")]
    [InlineData("/api/v1/mcp/prompts/get", """{"server":"{name}","prompt":"args-prompt","arguments":"Porto"}""", "arguments must be a JSON object")]
    [InlineData("/api/v1/mcp/prompts/get", """{"server":"{name}"}""", "prompt is required")]
    [InlineData("/api/v1/mcp/resources/read", """{"server":"{name}"}""", "uri is required")]
    [InlineData("/api/v1/mcp/resources/read", """{"uri":"demo://resource/dynamic/text/3"}""", "server is required")]
    public async Task Bad_input_is_a_400_naming_what_was_wrong(string path, string body, string detail)
    {
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.PostAsync(path, Json(body.Replace("{name}", _name)));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
    }

    [Theory]
    [InlineData("/api/v1/mcp/resources/read", """{"server":"{name}","uri":"demo://resource/no-such-thing"}""")]
    [InlineData("/api/v1/mcp/prompts/get", """{"server":"{name}","prompt":"no-such-prompt"}""")]
    public async Task An_unknown_resource_or_prompt_is_a_problem_naming_it(string path, string body)
    {
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.PostAsync(path, Json(body.Replace("{name}", _name)));

        Assert.False(response.IsSuccessStatusCode);
        Assert.Contains("no-such-", await AssertProblemAsync(response, response.StatusCode));
    }

    [Fact]
    public async Task A_prompt_name_outside_ascii_the_server_never_listed_is_a_404_and_not_the_servers_fault()
    {
        const string prompt = "prómpt-ünïcode";
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.PostAsync("/api/v1/mcp/prompts/get", Json($$$"""{"server":"{{{_name}}}","prompt":"{{{prompt}}}"}"""));

        Assert.Contains(prompt, await AssertProblemAsync(response, HttpStatusCode.NotFound));
        var listed = await viewer.PostAsync("/api/v1/mcp/prompts/get", Json($$$"""{"server":"{{{_name}}}","prompt":"simple-prompt"}"""));
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode); // still healthy: the name was not the server's fault
    }

    [Fact]
    public async Task A_resource_uri_outside_ascii_is_a_400()
    {
        using var viewer = fixture.A.ClientAs("viewer");

        var response = await viewer.PostAsync("/api/v1/mcp/resources/read", Json($$$"""{"server":"{{{_name}}}","uri":"demo://résumé"}"""));

        Assert.Contains("ASCII", await AssertProblemAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_server_the_caller_may_not_see_is_answered_as_an_unknown_one()
    {
        var operatorsOnly = ClusterFixture.UniqueName("ops-reads");
        var created = await fixture.A.RegisterAsync(
            $$"""{"name":"{{operatorsOnly}}","transport":"streamable_http","url":"{{_everything.Endpoint}}","check_timeout_seconds":5,"allowed_roles":["operator"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var viewer = fixture.A.ClientAs("viewer");

        var hidden = await viewer.PostAsync("/api/v1/mcp/resources/read", Json($$"""{"server":"{{operatorsOnly}}","uri":"demo://resource/dynamic/text/3"}"""));
        var missing = await viewer.PostAsync("/api/v1/mcp/resources/read", Json("""{"server":"never-registered","uri":"demo://resource/dynamic/text/3"}"""));

        var detail = await AssertProblemAsync(hidden, HttpStatusCode.NotFound);
        Assert.Equal((await AssertProblemAsync(missing, HttpStatusCode.NotFound)).Replace("never-registered", operatorsOnly), detail);
    }
}
