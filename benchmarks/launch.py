"""The ``hpo-rl`` console script: Ctrl-C at any moment ends in one line, even while the
command line's modules are still being imported (:func:`benchmarks.cli.main` handles the rest).

A Ctrl-C that lands inside a C extension's import (numpy's, torch's) does not always surface
as ``KeyboardInterrupt``: numpy turns it into an ``ImportError``. So the handler notes that
Ctrl-C was pressed, and any error after that is read as the interruption it came from.

Two windows are outside any Python handler: importing this module (a few milliseconds at
interpreter start) and interpreter shutdown. The second is closed here by ignoring Ctrl-C once
the command has returned, as its work is done by then."""

from __future__ import annotations

import signal
import sys
from typing import Any

__all__ = ["main"]

_pressed: list[bool] = []


def _on_ctrl_c(signum: int, frame: Any) -> None:
    _pressed.append(True)
    raise KeyboardInterrupt


def _interrupted() -> int:
    print("\nhpo-rl: interrupted", file=sys.stderr)
    return 130


def main() -> int:
    signal.signal(signal.SIGINT, _on_ctrl_c)
    try:
        from benchmarks.cli import main as cli_main

        return cli_main()
    except Exception:  # not SystemExit (--help, argparse errors): those are the command's own ends
        if not _pressed:
            raise
        return _interrupted()
    except KeyboardInterrupt:
        return _interrupted()
    finally:  # done (also on --help's SystemExit): a late Ctrl-C must not kill the shutdown
        signal.signal(signal.SIGINT, signal.SIG_IGN)
