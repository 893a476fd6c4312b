using Omni2.Contracts;

namespace Omni2.UnitTests.Alerts;

public sealed class CriticalAlertTextTests
{
    [Fact]
    public void The_text_counts_and_names_exactly_the_servers_given()
    {
        Assert.Equal("3 MCP servers failed within 60 s: a, b, c", CriticalAlertText.Describe(["a", "b", "c"], TimeSpan.FromSeconds(60)));
        Assert.Equal("1 MCP server failed within 2 s: b", CriticalAlertText.Describe(["b"], TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Without_a_window_the_text_still_names_only_its_servers()
    {
        Assert.Equal("2 MCP servers failed together: a, b", CriticalAlertText.Describe(["a", "b"], null));
    }
}
