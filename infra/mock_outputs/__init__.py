"""Per-provider rules for realistic mock outputs; see infra/mocks.py."""
