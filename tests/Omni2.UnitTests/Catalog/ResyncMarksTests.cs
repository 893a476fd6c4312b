using Microsoft.Extensions.Time.Testing;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.UnitTests.Catalog;

public sealed class ResyncMarksTests
{
    private static readonly TimeSpan Full = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));

    private static CatalogRead Complete(long mark, int count = 3) => new([], Complete: true, count, mark);

    private static CatalogRead Changes(long mark, int count = 3) => new([], Complete: false, count, mark);

    [Fact]
    public void The_first_resync_reads_every_row()
    {
        Assert.Null(new ResyncMarks(_time, Full).NextChangedAfter);
    }

    [Fact]
    public void Each_read_of_changes_asks_from_the_mark_of_the_read_before_it()
    {
        var marks = new ResyncMarks(_time, Full);
        marks.Read(Complete(10), held: 3, listsMissing: false);
        Assert.Equal(10, marks.NextChangedAfter);

        marks.Read(Changes(15), held: 3, listsMissing: false);
        Assert.Equal(10, marks.NextChangedAfter);

        marks.Read(Changes(18), held: 3, listsMissing: false);
        Assert.Equal(15, marks.NextChangedAfter);
    }

    [Fact]
    public void Another_count_than_the_catalog_holds_makes_the_next_read_every_row()
    {
        var marks = new ResyncMarks(_time, Full);
        marks.Read(Complete(10), held: 3, listsMissing: false);

        Assert.True(marks.Read(Changes(10, count: 2), held: 3, listsMissing: false));
        Assert.Null(marks.NextChangedAfter);

        marks.Read(Complete(10, count: 2), held: 2, listsMissing: false);
        Assert.Equal(10, marks.NextChangedAfter);
    }

    [Fact]
    public void A_new_row_without_its_lists_makes_the_next_read_every_row()
    {
        var marks = new ResyncMarks(_time, Full);
        marks.Read(Complete(10), held: 3, listsMissing: false);

        Assert.True(marks.Read(Changes(12), held: 3, listsMissing: true));
        Assert.Null(marks.NextChangedAfter);
    }

    [Fact]
    public void Every_row_is_read_again_once_the_full_interval_has_passed()
    {
        var marks = new ResyncMarks(_time, Full);
        marks.Read(Complete(10), held: 3, listsMissing: false);
        _time.Advance(Full - TimeSpan.FromSeconds(1));
        Assert.Equal(10, marks.NextChangedAfter);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(marks.NextChangedAfter);
    }
}
