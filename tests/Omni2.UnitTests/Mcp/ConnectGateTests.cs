using Microsoft.Extensions.Options;
using Omni2.Grains.Mcp;

namespace Omni2.UnitTests.Mcp;

public sealed class ConnectGateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static ConnectGate Gate(int turns) => new(Options.Create(new UpstreamOptions { MaxConcurrentConnects = turns }));

    [Fact]
    public async Task No_more_connects_run_at_once_than_there_are_turns_and_the_next_runs_when_one_ends()
    {
        using var gate = Gate(2);
        var running = new[] { new TaskCompletionSource(), new TaskCompletionSource() };
        var first = gate.RunAsync(() => running[0].Task.ContinueWith(_ => 1), CancellationToken.None);
        var second = gate.RunAsync(() => running[1].Task.ContinueWith(_ => 2), CancellationToken.None);
        var thirdStarted = false;

        var third = gate.RunAsync(() => { thirdStarted = true; return Task.FromResult(3); }, CancellationToken.None);

        Assert.False(thirdStarted);
        running[1].SetResult();
        Assert.Equal(3, await third.WaitAsync(Deadline));
        Assert.Equal(2, await second);
        Assert.False(first.IsCompleted);
        running[0].SetResult();
        Assert.Equal(1, await first.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_connect_that_fails_frees_its_turn()
    {
        using var gate = Gate(1);

        await Assert.ThrowsAsync<TimeoutException>(() => gate.RunAsync<int>(() => throw new TimeoutException("no connection within 10 s"), CancellationToken.None));

        Assert.Equal(7, await gate.RunAsync(() => Task.FromResult(7), CancellationToken.None).WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_caller_that_cancels_while_waiting_leaves_the_queue_without_connecting_or_taking_a_turn()
    {
        using var gate = Gate(1);
        var running = new TaskCompletionSource();
        var holder = gate.RunAsync(() => running.Task.ContinueWith(_ => 1), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var connected = false;

        var waiting = gate.RunAsync(() => { connected = true; return Task.FromResult(2); }, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Deadline));
        Assert.False(connected);
        running.SetResult();
        await holder.WaitAsync(Deadline);
        Assert.Equal(3, await gate.RunAsync(() => Task.FromResult(3), CancellationToken.None).WaitAsync(Deadline));
    }
}
