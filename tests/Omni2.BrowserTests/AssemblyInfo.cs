// Chromium, a silo, PostgreSQL and MCP servers share two cores: one test at a time keeps the timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
