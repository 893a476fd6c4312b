using System.IO.Pipelines;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Grains.Mcp;

namespace Omni2.UnitTests.Mcp;

/// <summary>
/// <see cref="ToolListReader"/> against a real MCP server of the C# SDK, in this process over pipes:
/// a check whose list is unchanged is answered without tools, any change is read.
/// </summary>
public sealed class ToolListReaderTests : IAsyncLifetime
{
    private readonly McpServerPrimitiveCollection<McpServerTool> _tools = [];
    private readonly CancellationTokenSource _stop = new();
    private McpServer _server = null!;
    private McpClient _client = null!;
    private int _pageSize = int.MaxValue;

    public async Task InitializeAsync()
    {
        AddTool("echo", "Echoes.");
        AddTool("sum", "Adds.");
        var toServer = new Pipe();
        var toClient = new Pipe();
        _server = McpServer.Create(
            new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()),
            new McpServerOptions
            {
                ServerInfo = new Implementation { Name = "tool-list-test", Version = "1.0" },
                Handlers = new McpServerHandlers { ListToolsHandler = (request, _) => ValueTask.FromResult(Page(request.Params?.Cursor)) },
            });
        _ = _server.RunAsync(_stop.Token);
        _client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()));
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _stop.CancelAsync();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    private static readonly CancellationToken Cancel = CancellationToken.None;

    private ToolListReader Reader() => new(UpstreamClient.Held(_client), new UpstreamOptions());

    [Fact]
    public async Task A_check_whose_list_is_unchanged_reads_no_tools()
    {
        var reader = Reader();

        var first = await reader.ReadIfChangedAsync(Cancel);
        var second = await reader.ReadIfChangedAsync(Cancel);

        Assert.Equal(["echo", "sum"], first!.Value.Select(t => t.Name));
        Assert.Null(second);
    }

    [Fact]
    public async Task A_changed_description_is_read()
    {
        var reader = Reader();
        await reader.ReadIfChangedAsync(Cancel);

        _tools.Clear();
        AddTool("echo", "Echoes, and now also says something else.");
        AddTool("sum", "Adds.");
        var changed = await reader.ReadIfChangedAsync(Cancel);

        Assert.Equal("Echoes, and now also says something else.", changed!.Value.Single(t => t.Name == "echo").Description);
    }

    [Fact]
    public async Task A_whole_read_always_returns_the_list_and_counts_as_the_last_answer()
    {
        var reader = Reader();

        var whole = await reader.ReadAsync(Cancel);
        var check = await reader.ReadIfChangedAsync(Cancel);
        var again = await reader.ReadAsync(Cancel);

        Assert.Equal(2, whole.Length);
        Assert.Null(check);
        Assert.Equal(whole.AsEnumerable(), again.AsEnumerable());
    }

    [Fact]
    public async Task A_list_of_several_pages_is_always_read_whole()
    {
        _pageSize = 1;
        var reader = Reader();

        var first = await reader.ReadIfChangedAsync(Cancel);
        var second = await reader.ReadIfChangedAsync(Cancel);

        Assert.Equal(["echo", "sum"], first!.Value.Select(t => t.Name));
        Assert.Equal(["echo", "sum"], second!.Value.Select(t => t.Name));
    }

    [Fact]
    public async Task A_list_over_the_tool_cap_fails_every_time()
    {
        var reader = new ToolListReader(UpstreamClient.Held(_client), new UpstreamOptions { MaxTools = 1 });

        await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => reader.ReadIfChangedAsync(Cancel));
        await Assert.ThrowsAsync<UpstreamLimitExceededException>(() => reader.ReadIfChangedAsync(Cancel));
    }

    private void AddTool(string name, string description) =>
        _tools.Add(McpServerTool.Create(() => name, new McpServerToolCreateOptions { Name = name, Description = description }));

    private ListToolsResult Page(string? cursor)
    {
        var all = _tools.Select(t => t.ProtocolTool).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var start = cursor is null ? 0 : int.Parse(cursor);
        var end = Math.Min(all.Count, start + Math.Min(_pageSize, all.Count));
        return new ListToolsResult { Tools = all[start..end], NextCursor = end < all.Count ? end.ToString() : null };
    }
}
