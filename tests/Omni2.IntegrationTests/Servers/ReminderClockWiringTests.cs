using Microsoft.Extensions.DependencyInjection;
using Omni2.Host.Silo;
using Omni2.Testing;
using Orleans.Reminders;

namespace Omni2.IntegrationTests.Servers;

public sealed class ReminderClockWiringTests
{
    [Fact]
    public void The_silos_reminder_service_waits_on_the_whole_millisecond_clock()
    {
        using var host = ApiHost.Embedded();

        Assert.IsType<ReminderClock>(host.Services.GetRequiredKeyedService<TimeProvider>(ReminderTimeProviderNames.Reminders));
    }
}
