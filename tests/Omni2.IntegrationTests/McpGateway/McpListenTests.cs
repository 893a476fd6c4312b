using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Host.McpGateway;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;

namespace Omni2.IntegrationTests.McpGateway;

/// <summary>
/// Stateless clients of the 2026-07-28 revision, which have no session to be pushed to, are told of list
/// changes over <c>subscriptions/listen</c>: the official C# SDK client, a real server-everything.
/// </summary>
[Collection("api")]
public sealed class McpListenTests(ApiFixture fixture)
{
    private const string Stateless = "2026-07-28";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Every notification the client got, in order, with the subscription id it carried.</summary>
    private sealed class Heard
    {
        private readonly List<(string Method, string? Subscription, JsonNode? Params)> _all = [];

        public KeyValuePair<string, Func<JsonRpcNotification, CancellationToken, ValueTask>>[] Handlers =>
        [
            new(NotificationMethods.SubscriptionsAcknowledgedNotification, Record),
            new(NotificationMethods.ToolListChangedNotification, Record),
            new(NotificationMethods.PromptListChangedNotification, Record),
            new(NotificationMethods.ResourceListChangedNotification, Record),
        ];

        public Task<List<(string Method, string? Subscription, JsonNode? Params)>> SoFarAsync()
        {
            lock (_all)
            {
                return Task.FromResult(_all.ToList());
            }
        }

        private ValueTask Record(JsonRpcNotification notification, CancellationToken _)
        {
            var subscription = notification.Params?["_meta"]?[MetaKeys.SubscriptionId]?.GetValue<string>();
            lock (_all)
            {
                _all.Add((notification.Method, subscription, notification.Params?.DeepClone()));
            }
            return ValueTask.CompletedTask;
        }
    }

    private static Task<McpClient> ConnectAsync(ApiHost host, Heard heard)
    {
        var http = host.ClientAs("viewer", "listener");
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }, http, null, ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions
        {
            ProtocolVersion = Stateless,
            Handlers = new McpClientHandlers { NotificationHandlers = heard.Handlers },
        });
    }

    private static JsonRpcRequest Listen(string id, SubscriptionsListenNotifications notifications) => new()
    {
        Id = new RequestId(id),
        Method = RequestMethods.SubscriptionsListen,
        Params = JsonSerializer.SerializeToNode(new SubscriptionsListenRequestParams { Notifications = notifications }, McpJsonUtilities.DefaultOptions),
    };

    private static int Listening(ApiHost host) => host.Services.GetRequiredService<GatewaySessions>().Listening;

    [Fact]
    public async Task A_stateless_client_is_offered_list_changed_for_tools_prompts_and_resources()
    {
        await using var client = await ConnectAsync(fixture.B, new Heard());

        Assert.Null(client.SessionId);
        Assert.True(client.ServerCapabilities.Tools?.ListChanged);
        Assert.True(client.ServerCapabilities.Prompts?.ListChanged);
        Assert.True(client.ServerCapabilities.Resources?.ListChanged);
    }

    [Fact]
    public async Task A_stateless_client_listening_is_told_when_a_new_servers_tools_prompts_and_resources_appear()
    {
        var heard = new Heard();
        await using var client = await ConnectAsync(fixture.B, heard);
        using var listening = new CancellationTokenSource();
        var listen = client.SendRequestAsync(
            Listen("listen-1", new SubscriptionsListenNotifications { ToolsListChanged = true, PromptsListChanged = true, ResourcesListChanged = true }),
            listening.Token);
        var acknowledged = (await Eventually.MatchesAsync(heard.SoFarAsync, all => all.Count > 0, Deadline, "the listen's acknowledgement"))[0];
        Assert.Equal((NotificationMethods.SubscriptionsAcknowledgedNotification, "listen-1"), (acknowledged.Method, acknowledged.Subscription));
        var granted = acknowledged.Params!["notifications"]!;
        Assert.True(granted["toolsListChanged"]!.GetValue<bool>() && granted["promptsListChanged"]!.GetValue<bool>() && granted["resourcesListChanged"]!.GetValue<bool>());
        Assert.Null(granted["resourceSubscriptions"]);

        await using var everything = await EverythingServer.StartStreamableHttpAsync();
        var name = ClusterFixture.UniqueName("listened");
        Assert.Equal(HttpStatusCode.Created, (await fixture.A.RegisterAsync(
            $$"""{"name":"{{name}}","transport":"streamable_http","url":"{{everything.Endpoint}}","check_timeout_seconds":5}""")).StatusCode);

        string[] changes = [NotificationMethods.ToolListChangedNotification, NotificationMethods.PromptListChangedNotification, NotificationMethods.ResourceListChangedNotification];
        var all = await Eventually.MatchesAsync(heard.SoFarAsync, all => changes.All(method => all.Any(n => n.Method == method)), Deadline, "tools, prompts and resources list_changed");
        Assert.All(all, n => Assert.Equal("listen-1", n.Subscription));
        Assert.Contains((await client.ListPromptsAsync()), p => p.Name.StartsWith(name + "__", StringComparison.Ordinal));

        // The client ending its request ends the listen on the silo.
        Assert.True(Listening(fixture.B) >= 1, "the listen is open on the silo serving it");
        await listening.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await listen);
        await Eventually.MatchesAsync(() => Task.FromResult(Listening(fixture.B)), open => open == 0, Deadline, "the listen to end with its request");
    }

    [Fact]
    public async Task A_listen_is_granted_only_the_list_changes_it_asked_for()
    {
        var heard = new Heard();
        await using var client = await ConnectAsync(fixture.A, heard);
        using var listening = new CancellationTokenSource();
        var listen = client.SendRequestAsync(Listen("tools-only", new SubscriptionsListenNotifications { ToolsListChanged = true }), listening.Token);

        var acknowledged = (await Eventually.MatchesAsync(heard.SoFarAsync, all => all.Count > 0, Deadline, "the listen's acknowledgement"))[0];

        var granted = acknowledged.Params!["notifications"]!.AsObject();
        Assert.Equal(["toolsListChanged"], granted.Select(p => p.Key));
        await listening.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await listen);
    }
}
