"""Benchmarks run against real services (see docs/benchmarks.md); not part of the test suite."""
