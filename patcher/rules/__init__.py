"""Rules: one module each, found by listing this package (see patcher.registry)."""
