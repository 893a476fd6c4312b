using Omni2.Contracts;

namespace Omni2.UnitTests.Api;

public sealed class CredentialRedactionTests
{
    [Theory]
    [InlineData("https://mcp.example.com/mcp?api_key=s3cret", "https://mcp.example.com/mcp?api_key=***")]
    [InlineData("https://mcp.example.com/mcp?region=eu&access_token=s3cret&x=1#top", "https://mcp.example.com/mcp?region=eu&access_token=***&x=1#top")]
    [InlineData("https://mcp.example.com/mcp?API%5FKEY=s3cret", "https://mcp.example.com/mcp?API%5FKEY=***")]
    [InlineData("https://bot:hunter2@mcp.example.com/mcp", "https://bot:***@mcp.example.com/mcp")]
    [InlineData("http://127.0.0.1:3001/mcp", "http://127.0.0.1:3001/mcp")]
    [InlineData("https://mcp.example.com/mcp?region=eu", "https://mcp.example.com/mcp?region=eu")]
    public void A_url_keeps_everything_but_its_credentials(string url, string shown) =>
        Assert.Equal(shown, CredentialRedaction.Url(url));

    [Fact]
    public void Arguments_that_name_a_credential_lose_their_value_and_only_that()
    {
        string[] args = ["-y", "@scope/server", "--token=abc", "--api-key", "def", "SECRET_KEY=ghi", "--port", "8080", "https://h/x?auth=jkl", "--verbose"];

        var shown = CredentialRedaction.Args([.. args]);

        Assert.Equal(["-y", "@scope/server", "--token=***", "--api-key", "***", "SECRET_KEY=***", "--port", "8080", "https://h/x?auth=***", "--verbose"], shown.ToArray());
    }

    [Fact]
    public void A_bare_credential_flag_before_another_flag_redacts_nothing_else() =>
        Assert.Equal(["--no-auth", "--port", "1"], CredentialRedaction.Args(["--no-auth", "--port", "1"]).ToArray());
}
