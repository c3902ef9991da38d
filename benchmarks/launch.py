"""The ``hpo-rl`` console script: Ctrl-C at any moment ends in one line, even while the
command line's modules are still being imported (:func:`benchmarks.cli.main` handles the rest).

Two windows are outside any Python handler: importing this module (a few milliseconds at
interpreter start) and interpreter shutdown. The second is closed here by ignoring Ctrl-C once
the command has returned, as its work is done by then."""

from __future__ import annotations

import signal
import sys

__all__ = ["main"]


def main() -> int:
    try:
        from benchmarks.cli import main as cli_main
    except KeyboardInterrupt:
        print("\nhpo-rl: interrupted", file=sys.stderr)
        return 130
    try:
        return cli_main()
    finally:  # done (also on --help's SystemExit): a late Ctrl-C must not kill the shutdown
        signal.signal(signal.SIGINT, signal.SIG_IGN)
