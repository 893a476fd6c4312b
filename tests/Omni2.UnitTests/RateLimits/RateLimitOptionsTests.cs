using Omni2.Contracts;
using Omni2.Host.RateLimits;

namespace Omni2.UnitTests.RateLimits;

public sealed class RateLimitOptionsTests
{
    [Theory]
    [InlineData(new[] { "viewer" }, 60)]
    [InlineData(new[] { "operator" }, 600)]
    [InlineData(new[] { "admin", "viewer" }, 1200)]
    [InlineData(new[] { "operator", "viewer" }, 600)]
    [InlineData(new string[0], 0)]
    public void A_user_has_the_limits_of_their_highest_role(string[] roles, int toolCalls) =>
        Assert.Equal(toolCalls, new RateLimitOptions().LimitFor(RateLimitKind.ToolCalls, roles));

    [Fact]
    public void The_defaults_are_valid_and_a_role_without_limits_is_not()
    {
        Assert.True(new RateLimitOptions().IsValid());
        var options = new RateLimitOptions();
        options.Roles["viewer"].Reads = 0;
        Assert.False(options.IsValid());
        Assert.False(new RateLimitOptions { Window = TimeSpan.Zero }.IsValid());
    }
}
