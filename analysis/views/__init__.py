"""Analysis pages: overview, segments and runs here; the insight pages in their own modules."""
