"""Benchmark scripts: ``python -m benchmarks.NAME`` (docs/benchmarks.md)."""
