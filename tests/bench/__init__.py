"""The benchmarks of `make bench` (never part of `make test`)."""
