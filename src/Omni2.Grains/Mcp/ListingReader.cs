using System.Collections.Immutable;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// Reads one connection's prompts, resources and resource templates, each only if the server's
/// capabilities offer it, every page of each within the caps of a <see cref="ListPageCounter"/>.
/// </summary>
internal sealed class ListingReader(UpstreamClient client, UpstreamOptions limits)
{
    public async Task<McpServerListings> ReadAsync(CancellationToken cancellationToken)
    {
        var offered = client.ServerCapabilities;
        var prompts = offered.Prompts is null ? [] : await ReadPagesAsync("prompt list", async cursor =>
        {
            var page = await client.UseAsync(c => c.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, cancellationToken).AsTask());
            return (page.Prompts.Select(p => new McpListedItem(p.Name, McpConnection.ToJson(p))).ToList(), page.NextCursor);
        });
        var resources = offered.Resources is null ? [] : await ReadPagesAsync("resource list", async cursor =>
        {
            var page = await client.UseAsync(c => c.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, cancellationToken).AsTask());
            return (page.Resources.Select(r => new McpListedItem(r.Uri, McpConnection.ToJson(r))).ToList(), page.NextCursor);
        });
        var templates = offered.Resources is null ? [] : await ReadPagesAsync("resource template list", async cursor =>
        {
            var page = await client.UseAsync(c => c.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, cancellationToken).AsTask());
            return (page.ResourceTemplates.Select(t => new McpListedItem(t.UriTemplate, McpConnection.ToJson(t))).ToList(), page.NextCursor);
        });
        return new McpServerListings(prompts, resources, templates);
    }

    private async Task<ImmutableArray<McpListedItem>> ReadPagesAsync(string what, Func<string?, Task<(List<McpListedItem> Items, string? NextCursor)>> page)
    {
        var counter = new ListPageCounter(what, "items", limits);
        var items = ImmutableArray.CreateBuilder<McpListedItem>();
        string? cursor = null;
        do
        {
            counter.NextPage();
            var (listed, next) = await page(cursor);
            counter.Listed(listed.Count);
            items.AddRange(listed);
            cursor = next;
        }
        while (cursor is not null);
        return items.ToImmutable();
    }
}
