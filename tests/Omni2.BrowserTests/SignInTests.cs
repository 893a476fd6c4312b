using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Omni2.BrowserTests.Infrastructure;
using Omni2.Host.Auth;
using Omni2.Testing;
using static Microsoft.Playwright.Assertions;
using static Omni2.Testing.ApiRequests;

namespace Omni2.BrowserTests;

/// <summary>Signing in: tokens the host refuses, and the one-click dev sign-in (embedded default only).</summary>
[Collection("dashboard")]
public sealed class SignInTests(DashboardFixture fixture)
{
    [Fact]
    public async Task A_token_the_host_refuses_brings_back_the_sign_in_with_the_reason()
    {
        await using var page = await DashboardPage.OpenAsync(fixture.Browser, fixture.Host.CreateClient().BaseAddress!, "10-refused-token");
        await page.Page.Locator("#token-input").FillAsync("garbage");
        await page.Page.Locator("button[data-action='sign-in']").ClickAsync();
        await Expect(page.Page.Locator("#sign-in-error")).ToContainTextAsync("not a token");

        // Well formed, but signed with another key: the hub and the API both answer 401.
        var forged = new TokenIssuer(new AuthOptions(), new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 48)))).Issue("mallory", "admin", TimeSpan.FromMinutes(5));
        await page.Page.Locator("#token-input").FillAsync(forged);
        await page.Page.Locator("button[data-action='sign-in']").ClickAsync();
        await Expect(page.Page.Locator("#sign-in-error")).ToContainTextAsync("does not accept your token");
        await Expect(page.Page.Locator("#sign-in")).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#fleet")).ToBeHiddenAsync();
        await page.ScreenshotAsync("refused");
        Assert.DoesNotContain(page.Errors, e => !e.Contains("401", StringComparison.Ordinal)); // the browser logs the refused requests themselves
    }

    [Fact]
    public async Task A_PostgreSQL_host_has_no_dev_token_endpoint_and_the_page_offers_none()
    {
        using var admin = fixture.Host.ClientAs("admin");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/auth/dev-token", Json("""{"role":"admin"}"""))).StatusCode);
        using var anonymous = fixture.Host.ClientAs(null);
        var response = await anonymous.PostAsync("/api/v1/auth/dev-token", Json("""{"role":"admin"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("token", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/dashboard/settings")).GetProperty("dev_sign_in_roles").GetArrayLength());

        await using var page = await DashboardPage.OpenAsync(fixture.Browser, fixture.Host.CreateClient().BaseAddress!, "8-no-dev-sign-in");
        await Expect(page.Page.Locator("#sign-in")).ToBeVisibleAsync();
        await page.Page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
        page.AssertNoErrors();
        await Expect(page.Page.Locator("#dev-sign-in")).ToBeHiddenAsync();
        await page.ScreenshotAsync("sign-in");
    }

    [Fact]
    public async Task The_embedded_default_signs_in_with_one_click_and_issues_short_lived_tokens()
    {
        // The configured 'everything' server stays disabled: it would be fetched with npx.
        await using var host = ApiHost.Embedded(new Dictionary<string, string?> { ["Omni2:Servers:0:Enabled"] = "false" });
        host.StartServer();
        using var anonymous = host.ClientAs(null);
        // As the page's own fetch does: the dev sign-in answers only the dashboard's origin.
        anonymous.DefaultRequestHeaders.Add("Origin", anonymous.BaseAddress!.GetLeftPart(UriPartial.Authority));

        var issued = await anonymous.PostAsync("/api/v1/auth/dev-token", Json("""{"role":"operator"}"""));
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("operator", body.GetProperty("role").GetString());
        Assert.InRange(body.GetProperty("expires_at").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync("/api/v1/auth/dev-token", Json("""{"role":"root"}"""))).StatusCode);

        await using var page = await DashboardPage.OpenAsync(fixture.Browser, host.CreateClient().BaseAddress!, "9-dev-sign-in");
        await page.Page.Locator("#dev-sign-in button[data-role='admin']").ClickAsync();
        await Expect(page.Row("everything")).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#who")).ToContainTextAsync("admin");
        await Expect(page.Row("everything").Locator("button[data-action='enable']")).ToBeEnabledAsync();
        await page.ScreenshotAsync("signed-in");
        page.AssertNoErrors();
    }
}
