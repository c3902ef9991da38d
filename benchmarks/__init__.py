"""Benchmarks: suites of tasks, the runner (agents x tasks x seeds), reports, and the ``hpo-rl`` CLI."""
