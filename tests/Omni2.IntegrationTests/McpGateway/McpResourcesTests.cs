using System.Net;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using static Omni2.IntegrationTests.Api.ApiTestKit;

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>The fleet's prompts and resources at /mcp, from the official server-everything, used by the official C# SDK client.</summary>
[Collection("api")]
public sealed class McpResourcesTests(ApiFixture fixture) : IAsyncLifetime
{
    private EverythingServer _everything = null!;
    private string _name = null!;

    public async Task InitializeAsync()
    {
        _everything = await EverythingServer.StartStreamableHttpAsync();
        _name = await RegisterAsync("everything", "viewer");
    }

    public async Task DisposeAsync() => await _everything.DisposeAsync();

    /// <summary>Registers the running server-everything under a fresh name, seen from <paramref name="role"/> up, and waits until both hosts list its prompts.</summary>
    private async Task<string> RegisterAsync(string prefix, string role)
    {
        var name = ClusterFixture.UniqueName(prefix);
        var created = await fixture.A.RegisterAsync(
            $$"""{"name":"{{name}}","transport":"streamable_http","url":"{{_everything.Endpoint}}","check_timeout_seconds":5,"allowed_roles":["{{role}}"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var host in new[] { fixture.A, fixture.B })
        {
            await using var admin = await ConnectAsync(host, "admin");
            await Eventually.MatchesAsync(() => admin.ListPromptsAsync().AsTask(), prompts => prompts.Any(p => p.Name.StartsWith(name + "__", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), $"{name}'s prompts on /mcp");
        }
        return name;
    }

    private static Task<McpClient> ConnectAsync(ApiHost host, string role, Action<string>? onListChanged = null)
    {
        var options = new McpClientOptions { ProtocolVersion = "2025-11-25" };
        if (onListChanged is not null)
        {
            options.Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.PromptListChangedNotification, (n, _) => { onListChanged(n.Method); return ValueTask.CompletedTask; }),
                    new(NotificationMethods.ResourceListChangedNotification, (n, _) => { onListChanged(n.Method); return ValueTask.CompletedTask; }),
                ],
            };
        }
        return host.McpClientAsync(role, options);
    }

    private string Gateway(string uri) => ResourceUri(_name, uri);

    private static string ResourceUri(string server, string uri) => $"omni2://{server}/{Uri.EscapeDataString(uri)}";

    [Fact]
    public async Task The_gateway_offers_prompts_and_resources_with_list_changed()
    {
        await using var client = await ConnectAsync(fixture.B, "viewer");

        Assert.True(client.ServerCapabilities.Prompts?.ListChanged);
        Assert.True(client.ServerCapabilities.Resources?.ListChanged);
    }

    [Fact]
    public async Task Prompts_resources_and_templates_are_listed_under_their_server()
    {
        await using var client = await ConnectAsync(fixture.B, "viewer");

        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();
        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).Where(u => u.StartsWith($"omni2://{_name}/", StringComparison.Ordinal)).ToList();
        var templates = (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ToList();

        Assert.Contains($"{_name}__simple-prompt", prompts);
        Assert.Contains($"{_name}__args-prompt", prompts);
        Assert.NotEmpty(resources);
        Assert.Contains($"omni2://{_name}/{Uri.EscapeDataString("demo://resource/dynamic/text/")}{{resourceId}}", templates);
    }

    [Fact]
    public async Task A_listed_resource_is_read_through_its_server_under_the_gateway_uri()
    {
        await using var client = await ConnectAsync(fixture.B, "viewer");
        var listed = (await client.ListResourcesAsync()).First(r => r.Uri.StartsWith($"omni2://{_name}/", StringComparison.Ordinal));

        var read = await client.ReadResourceAsync(listed.Uri);

        Assert.Equal(listed.Uri, Assert.Single(read.Contents).Uri);
    }

    [Fact]
    public async Task A_uri_expanded_from_a_template_is_read_through_its_server()
    {
        await using var client = await ConnectAsync(fixture.A, "viewer");

        var read = await client.ReadResourceAsync(Gateway("demo://resource/dynamic/text/") + "42");

        var content = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal(Gateway("demo://resource/dynamic/text/42"), content.Uri);
        Assert.Contains("42", content.Text);
    }

    [Fact]
    public async Task A_prompt_is_got_with_its_arguments()
    {
        await using var client = await ConnectAsync(fixture.B, "viewer");

        var prompt = await client.GetPromptAsync($"{_name}__args-prompt", new Dictionary<string, object?> { ["city"] = "Braga" });

        Assert.Contains("Braga", Assert.IsType<TextContentBlock>(prompt.Messages[0].Content).Text);
    }

    [Fact]
    public async Task Unknown_names_and_bad_arguments_get_the_protocols_errors()
    {
        await using var client = await ConnectAsync(fixture.B, "viewer");

        var unknownUri = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync("demo://resource/dynamic/text/1"));
        var unknownServer = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync(ResourceUri("never-registered", "demo://x")));
        var unknownPrompt = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.GetPromptAsync("never-registered__simple-prompt"));
        var badArgument = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.GetPromptAsync($"{_name}__args-prompt", new Dictionary<string, object?> { ["city"] = 7 }));

        Assert.Equal(McpErrorCode.ResourceNotFound, unknownUri.ErrorCode);
        Assert.Equal(McpErrorCode.ResourceNotFound, unknownServer.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, unknownPrompt.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, badArgument.ErrorCode);
        Assert.Contains("'city' is number", badArgument.Message);
    }

    [Fact]
    public async Task A_server_hidden_from_the_caller_contributes_nothing()
    {
        var operatorsOnly = await RegisterAsync("ops-everything", "operator");
        await using var viewer = await ConnectAsync(fixture.B, "viewer");

        Assert.DoesNotContain((await viewer.ListPromptsAsync()), p => p.Name.StartsWith(operatorsOnly, StringComparison.Ordinal));
        Assert.DoesNotContain((await viewer.ListResourcesAsync()), r => r.Uri.Contains(operatorsOnly, StringComparison.Ordinal));
        Assert.DoesNotContain((await viewer.ListResourceTemplatesAsync()), t => t.UriTemplate.Contains(operatorsOnly, StringComparison.Ordinal));
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(async () => await viewer.ReadResourceAsync(ResourceUri(operatorsOnly, "demo://resource/dynamic/text/1")));
        Assert.Equal(McpErrorCode.ResourceNotFound, hidden.ErrorCode);
    }

    [Fact]
    public async Task A_session_is_told_when_a_servers_prompts_and_resources_go_away()
    {
        var leaving = await RegisterAsync("leaving", "viewer");
        var told = new List<string>();
        await using var client = await ConnectAsync(fixture.B, "viewer", method => { lock (told) { told.Add(method); } });
        await client.ListPromptsAsync();
        await client.ListResourcesAsync();
        using var admin = fixture.A.ClientAs("admin");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/mcp/servers/{leaving}")).StatusCode);

        await Eventually.MatchesAsync(() => { lock (told) { return Task.FromResult(told.ToList()); } },
            methods => methods.Contains(NotificationMethods.PromptListChangedNotification) && methods.Contains(NotificationMethods.ResourceListChangedNotification),
            TimeSpan.FromSeconds(10), "prompts and resources list_changed");
    }
}
