using Npgsql;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Persistence;

/// <summary>
/// The catalog's resync read from a real PostgreSQL: a server whose tools the reader holds under
/// their digest comes without them; changed tools, or a wrong digest, bring them. A read of changes
/// (sql/015) brings only the rows changed since its mark, with their lists only where those changed,
/// and the count of all rows, which a deletion lowers.
/// </summary>
public sealed class CatalogSourceTests : IAsyncLifetime
{
    private const string EchoTools = """[{"name": "echo", "description": "Echoes.", "input_schema": {}}]""";
    private PostgresDatabase _db = null!;
    private NpgsqlDataSource _dataSource = null!;
    private PostgresServerStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await PostgresDatabase.CreateAsync();
        _dataSource = NpgsqlDataSource.Create(_db.ConnectionString);
        _store = new PostgresServerStore(_dataSource);
        await _db.InsertHttpAsync("alpha", new Uri("http://127.0.0.1:9/mcp"));
        await _db.InsertHttpAsync("beta", new Uri("http://127.0.0.1:9/mcp"));
        await _db.ExecuteAsync("UPDATE omni2.mcp_servers SET tools = $1::jsonb", EchoTools);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_first_load_brings_every_servers_tools_and_their_digests()
    {
        var rows = (await _store.LoadCatalogAsync()).Rows;

        Assert.All(rows, row => Assert.Equal("echo", Assert.Single(row.Tools).Name));
        Assert.All(rows, row => Assert.NotNull(row.ListsDigest));
        Assert.Equal(rows[0].ListsDigest, rows[1].ListsDigest);
    }

    [Fact]
    public async Task Tools_held_under_their_digest_are_left_out_and_others_brought()
    {
        var digest = (await _store.LoadCatalogAsync()).Rows[0].ListsDigest!.Value;

        var rows = (await _store.LoadCatalogAsync(new Dictionary<string, Guid> { ["alpha"] = digest, ["beta"] = Guid.NewGuid() })).Rows
            .ToDictionary(r => r.Server.Name);

        Assert.True(rows["alpha"].Tools.IsDefault);
        Assert.Equal(digest, rows["alpha"].ListsDigest);
        Assert.Equal("echo", Assert.Single(rows["beta"].Tools).Name);
    }

    [Fact]
    public async Task Changed_tools_are_brought_although_the_reader_named_the_old_digest()
    {
        var digest = (await _store.LoadCatalogAsync()).Rows[0].ListsDigest!.Value;
        await _db.ExecuteAsync("""UPDATE omni2.mcp_servers SET tools = '[{"name": "sum", "input_schema": {}}]'::jsonb WHERE name = 'alpha'""");

        var alpha = (await _store.LoadCatalogAsync(new Dictionary<string, Guid> { ["alpha"] = digest })).Rows.Single(r => r.Server.Name == "alpha");

        Assert.Equal("sum", Assert.Single(alpha.Tools).Name);
        Assert.NotEqual(digest, alpha.ListsDigest);
    }

    [Fact]
    public async Task A_read_of_changes_brings_only_the_rows_changed_since_the_mark()
    {
        var mark = (await _store.LoadCatalogAsync()).Mark;
        await _db.ExecuteAsync("UPDATE omni2.mcp_servers SET health_status = 'disconnected', status_version = status_version + 1 WHERE name = 'beta'");

        var read = await _store.LoadCatalogAsync(changedAfter: mark);

        Assert.False(read.Complete);
        Assert.Equal(2, read.Count);
        var beta = Assert.Single(read.Rows);
        Assert.Equal(HealthStatus.Disconnected, beta.Status.Status);
        Assert.True(beta.Tools.IsDefault, "unchanged tools stay out of a read of changes");
        Assert.True(read.Mark > mark);
    }

    [Fact]
    public async Task A_read_of_changes_brings_the_lists_that_changed()
    {
        var mark = (await _store.LoadCatalogAsync()).Mark;
        await _db.ExecuteAsync("""UPDATE omni2.mcp_servers SET tools = '[{"name": "sum", "input_schema": {}}]'::jsonb WHERE name = 'alpha'""");

        var alpha = Assert.Single((await _store.LoadCatalogAsync(changedAfter: mark)).Rows);

        Assert.Equal("sum", Assert.Single(alpha.Tools).Name);
    }

    [Fact]
    public async Task A_last_check_is_no_change_and_a_deletion_lowers_the_count()
    {
        var mark = (await _store.LoadCatalogAsync()).Mark;
        await _store.WriteLastChecksAsync([new ServerCheck("alpha", DateTimeOffset.UtcNow)]);
        await _db.ExecuteAsync("DELETE FROM omni2.mcp_servers WHERE name = 'beta'");

        var read = await _store.LoadCatalogAsync(changedAfter: mark);

        Assert.Empty(read.Rows);
        Assert.Equal(1, read.Count);
    }

    [Fact]
    public async Task An_insert_is_a_change_with_its_lists()
    {
        var mark = (await _store.LoadCatalogAsync()).Mark;
        await _db.InsertHttpAsync("gamma", new Uri("http://127.0.0.1:9/mcp"));

        var gamma = Assert.Single((await _store.LoadCatalogAsync(changedAfter: mark)).Rows);

        Assert.Equal("gamma", gamma.Server.Name);
        Assert.False(gamma.Tools.IsDefault);
    }
}
