"""How fast the command line answers: ``hpo-rl --help`` and a one-line argument error.

    python -m benchmarks.startup --repeats 5

runs each in a fresh process ``--repeats`` times and prints the median seconds. CI prints
it in its log: the parser is built without importing torch, the agents or the env, so both
should take well under a second (``tests/test_cli_ux.py`` checks what the parser imports).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

__all__ = ["COMMANDS", "startup_seconds"]

#: What is timed: the help, and an argument error (exit 2, one line).
COMMANDS: dict[str, list[str]] = {"hpo-rl --help": ["--help"], "hpo-rl bench --seeds x": ["bench", "--seeds", "x"]}


def startup_seconds(args: list[str], repeats: int = 5) -> float:
    """Median wall seconds of ``hpo-rl ARGS`` (as the console script runs it) in a new process."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        cmd = [sys.executable, "-c", "import sys; from benchmarks.launch import main; sys.exit(main())", *args]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args(argv)
    for name, args in COMMANDS.items():
        print(f"startup: {name}: {startup_seconds(args, a.repeats):.2f} s (median of {a.repeats})", flush=True)


if __name__ == "__main__":
    main()
