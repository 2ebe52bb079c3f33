"""Analysis services: runs (requesting, executing, pruning) and the sections they compute."""
