"""The routing review: patcher report."""
