"""Intent: what a fix changes, addressed by resource rather than by file (the plan stage's data)."""
