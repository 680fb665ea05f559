"""`make bench-faults`: the production stack under load while its processes are killed."""
