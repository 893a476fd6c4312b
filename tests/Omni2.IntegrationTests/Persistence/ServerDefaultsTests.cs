using Omni2.Contracts;
using Omni2.Host.Registration;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Persistence;

/// <summary>
/// A server's defaults are written once (<see cref="ServerLimits"/>); the SQL defaults of
/// <c>omni2.mcp_servers</c>, which a row inserted by plain SQL gets, must be the same numbers.
/// </summary>
public sealed class ServerDefaultsTests
{
    [Fact]
    public async Task The_sql_defaults_of_mcp_servers_are_the_defaults_a_registration_gets()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var sqlDefaults = (await db.QueryAsync(
                """
                SELECT column_name, column_default FROM information_schema.columns
                WHERE table_schema = 'omni2' AND table_name = 'mcp_servers'
                  AND column_name IN ('health_check_interval_seconds', 'check_timeout_seconds', 'connect_timeout_seconds', 'call_timeout_seconds', 'max_concurrent_calls')
                """,
                r => (Column: r.GetString(0), Default: r.GetString(1))))
            .ToDictionary(c => c.Column, c => int.Parse(c.Default, System.Globalization.CultureInfo.InvariantCulture));
        var registered = ServerRegistrationValidator.Validate(
            new ServerRegistration { Name = "defaults", Transport = "streamable_http", Url = "http://127.0.0.1:1/mcp" }, null, new StdioOptions(), out var errors);

        Assert.Empty(errors);
        Assert.Equal(new Dictionary<string, int>
        {
            ["health_check_interval_seconds"] = registered!.HealthCheckIntervalSeconds,
            ["check_timeout_seconds"] = registered.CheckTimeoutSeconds,
            ["connect_timeout_seconds"] = registered.ConnectTimeoutSeconds,
            ["call_timeout_seconds"] = registered.CallTimeoutSeconds,
            ["max_concurrent_calls"] = registered.MaxConcurrentCalls,
        }, sqlDefaults);
    }
}
