// The suites share two cores with real silos, PostgreSQL and MCP servers: one collection at a time keeps timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
