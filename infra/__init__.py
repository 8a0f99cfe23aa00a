"""Provider-neutral machinery: config model, naming, plan runner, mocks, reports, CLI."""
