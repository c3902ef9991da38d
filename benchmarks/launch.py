"""The ``hpo-rl`` console script: Ctrl-C at any moment ends in one line, even while the
command line's modules are still being imported (:func:`benchmarks.cli.main` handles the rest)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> int:
    try:
        from benchmarks.cli import main as cli_main
    except KeyboardInterrupt:
        print("\nhpo-rl: interrupted", file=sys.stderr)
        return 130
    return cli_main()
