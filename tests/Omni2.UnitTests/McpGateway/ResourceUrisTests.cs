using Omni2.Host.McpGateway;

namespace Omni2.UnitTests.McpGateway;

public sealed class ResourceUrisTests
{
    [Theory]
    [InlineData("demo://resource/static/1")]
    [InlineData("file:///home/ana/notes__draft.md?v=2#top")]
    [InlineData("https://example.org/a b/ä")]
    [InlineData("urn:isbn:0451450523")]
    public void A_gateway_uri_maps_back_to_its_server_and_original_uri(string original)
    {
        var wrapped = ResourceUris.Wrap("docs-1", original);

        Assert.True(ResourceUris.TryUnwrap(wrapped, out var server, out var unwrapped));
        Assert.Equal("docs-1", server);
        Assert.Equal(original, unwrapped);
        Assert.True(Uri.TryCreate(wrapped, UriKind.Absolute, out var parsed), wrapped);
        Assert.Equal(("omni2", "docs-1"), (parsed.Scheme, parsed.Host));
    }

    [Fact]
    public void A_template_keeps_its_expressions_and_an_expansion_maps_back()
    {
        var template = ResourceUris.WrapTemplate("docs", "demo://resource/{kind}/{id}");

        Assert.Equal("omni2://docs/demo%3A%2F%2Fresource%2F{kind}%2F{id}", template);
        var expanded = template.Replace("{kind}", "text").Replace("{id}", Uri.EscapeDataString("a/b"));
        Assert.True(ResourceUris.TryUnwrap(expanded, out var server, out var original));
        Assert.Equal(("docs", "demo://resource/text/a/b"), (server, original));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("demo://resource/static/1")]
    [InlineData("omni2://docs")]
    [InlineData("omni2://docs/")]
    [InlineData("omni2://Bad__Name/x")]
    public void Anything_else_is_no_gateway_uri(string? uri) =>
        Assert.False(ResourceUris.TryUnwrap(uri, out _, out _));
}
