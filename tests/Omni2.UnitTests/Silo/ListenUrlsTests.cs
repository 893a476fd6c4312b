using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Omni2.Host.Silo;

namespace Omni2.UnitTests.Silo;

public sealed class ListenUrlsTests
{
    [Fact]
    public void Without_an_address_the_host_listens_on_loopback_5080()
    {
        var builder = WebApplication.CreateBuilder([]).UseOmni2DefaultUrls();

        Assert.Equal("http://127.0.0.1:5080", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Fact]
    public void The_urls_argument_wins_over_the_default()
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:5099"]).UseOmni2DefaultUrls();

        Assert.Equal("http://127.0.0.1:5099", builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:8080")] // ASPNETCORE_URLS, Urls, --urls
    [InlineData("http_ports", "8080")] // ASPNETCORE_HTTP_PORTS, the aspnet image's own
    [InlineData("https_ports", "8443")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:8080")]
    public void An_address_in_any_key_Kestrel_reads_counts_as_configured(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        Assert.True(ListenUrls.IsConfigured(configuration));
    }

    [Fact]
    public void Appsettings_pins_no_address()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false).Build();

        Assert.False(ListenUrls.IsConfigured(configuration));
    }
}
