"""A speed probe: how fast the machine runs XGBoost at the moment a run starts.

The same seconds buy more evaluations on a faster machine, or on the same machine on
another day: this project's machine ran 1.6 times faster on 2026-12-06 than on
2026-11-29, so time-budgeted runs of those two days do not compare. Each time-budgeted run
therefore records ``speed_probe_s``, the seconds of one fixed XGBoost fit made just before
it, and ``hpo-rl report`` flags a results file whose runs differ in it by more than
:data:`SPEED_TOLERANCE`.

    python -m benchmarks.speed --jobs 2 --probes 5

makes ``--probes`` probes in each of ``--jobs`` processes at once (as a benchmark's runs
are made) and prints them with their spread, the slowest over the fastest.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable

import numpy as np

__all__ = ["SPEED_TOLERANCE", "speed_note", "speed_probe", "speed_spread"]

#: Largest ratio of the slowest to the fastest ``speed_probe_s`` in one results file before
#: the report says its time-budgeted runs were made at different speeds. Probes made side
#: by side on this project's idle 2-core machine spread by 1.014 (0.1101 to 0.1116 s:
#: ``python -m benchmarks.speed``, 5 probes in each of 2 processes).
SPEED_TOLERANCE = 1.25
#: The probe's data (rows of 20 Gaussian features) and boosting rounds, and how many times it
#: is fit (the fastest counts: the least disturbed by whatever else runs).
PROBE_ROWS, PROBE_ROUNDS, PROBE_REPEATS = 5000, 50, 3


def speed_probe() -> float:
    """Seconds of one fixed XGBoost fit on one thread (the fastest of ``PROBE_REPEATS``)."""
    import xgboost as xgb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(PROBE_ROWS, 20))
    y = (x[:, :3].sum(axis=1) + rng.normal(size=PROBE_ROWS) > 0).astype(int)
    data = xgb.DMatrix(x, label=y, nthread=1)
    params = {"max_depth": 6, "nthread": 1, "objective": "binary:logistic", "tree_method": "hist"}
    times = []
    for _ in range(PROBE_REPEATS):
        t0 = time.perf_counter()
        xgb.train(params, data, PROBE_ROUNDS)
        times.append(time.perf_counter() - t0)
    return round(min(times), 4)


def speed_spread(probes: Iterable[float | None]) -> float | None:
    """The slowest probe over the fastest (None with fewer than 2 probes; missing ones skipped)."""
    xs = [float(p) for p in probes if p is not None and p == p]
    return max(xs) / min(xs) if len(xs) >= 2 else None


def speed_note(probes: list[float | None]) -> str | None:
    """A Markdown warning about the runs whose ``speed_probe_s`` are ``probes``
    (None for a run without one): they were made at speeds more than ``SPEED_TOLERANCE`` apart,
    or some carry no probe. None when all were probed and agree."""
    xs = [p for p in probes if p is not None and p == p]
    spread, missing = speed_spread(xs), len(probes) - len(xs)
    notes = []
    if spread is not None and spread > SPEED_TOLERANCE:
        notes.append(
            f"**Flagged: these timed runs were made at different machine speeds**: the speed probe "
            f"took {min(xs):.3f} to {max(xs):.3f} s ({spread:.2f}x, more than {SPEED_TOLERANCE}x), so the same "
            "seconds bought different numbers of evaluations. Compare only runs made side by side."
        )
    if missing:
        notes.append(
            f"{missing} of {len(probes)} timed runs carry no speed probe (made before it was "
            "recorded), so whether all were made at one speed cannot be told."
        )
    return " ".join(notes) or None


def _probes(n: int) -> list[float]:
    return [speed_probe() for _ in range(n)]


def main(argv: list[str] | None = None) -> None:
    from agents.parallel import process_pool

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=2, help="processes probing at once (default: %(default)s)")
    p.add_argument("--probes", type=int, default=5, help="probes in each process (default: %(default)s)")
    a = p.parse_args(argv)
    with process_pool(a.jobs) as ex:
        runs = list(ex.map(_probes, [a.probes] * a.jobs))
    for i, r in enumerate(runs):
        print(f"process {i}: {', '.join(f'{x:.4f}' for x in r)} s")
    print(f"spread {speed_spread([x for r in runs for x in r]):.3f} (flagged above {SPEED_TOLERANCE})")


if __name__ == "__main__":
    main()
