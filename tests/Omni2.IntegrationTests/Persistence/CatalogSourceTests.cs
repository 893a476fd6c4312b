using Npgsql;
using Omni2.Grains.Persistence;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Persistence;

/// <summary>
/// The catalog's resync read from a real PostgreSQL: a server whose tools the reader holds under
/// their digest comes without them; changed tools, or a wrong digest, bring them.
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
        var rows = await _store.LoadCatalogAsync();

        Assert.All(rows, row => Assert.Equal("echo", Assert.Single(row.Tools).Name));
        Assert.All(rows, row => Assert.NotNull(row.ListsDigest));
        Assert.Equal(rows[0].ListsDigest, rows[1].ListsDigest);
    }

    [Fact]
    public async Task Tools_held_under_their_digest_are_left_out_and_others_brought()
    {
        var digest = (await _store.LoadCatalogAsync())[0].ListsDigest!.Value;

        var rows = (await _store.LoadCatalogAsync(new Dictionary<string, Guid> { ["alpha"] = digest, ["beta"] = Guid.NewGuid() }))
            .ToDictionary(r => r.Server.Name);

        Assert.True(rows["alpha"].Tools.IsDefault);
        Assert.Equal(digest, rows["alpha"].ListsDigest);
        Assert.Equal("echo", Assert.Single(rows["beta"].Tools).Name);
    }

    [Fact]
    public async Task Changed_tools_are_brought_although_the_reader_named_the_old_digest()
    {
        var digest = (await _store.LoadCatalogAsync())[0].ListsDigest!.Value;
        await _db.ExecuteAsync("""UPDATE omni2.mcp_servers SET tools = '[{"name": "sum", "input_schema": {}}]'::jsonb WHERE name = 'alpha'""");

        var alpha = (await _store.LoadCatalogAsync(new Dictionary<string, Guid> { ["alpha"] = digest })).Single(r => r.Server.Name == "alpha");

        Assert.Equal("sum", Assert.Single(alpha.Tools).Name);
        Assert.NotEqual(digest, alpha.ListsDigest);
    }
}
