"""Paired comparison of a variant (default ``hb+prior10``) against ``hb``, seed by seed.

    python paired.py REF [VARIANT [AGAINST]]    # from this folder; prints a markdown table

REF is ``b20`` or ``b50`` (``results_REF.jsonl``) or the path of another results file;
AGAINST (default ``hb``) is the agent the variant is paired with, e.g.
``python paired.py ../../multifidelity_b100_rerun/results.jsonl portfolio-tpe-hyperband tpe-hyperband``.

At 25, 50 and 100% of each run's time budget: per task, win/tie/loss over seeds (a tie
when the mean paired difference is within 2 standard errors); pooled over every
task-seed, the paired difference of the normalized regret (each task scaled by the span
of best scores seen on it, as the report does), with 2 standard errors; and the paired
difference of the test score of the best configuration.
"""

import sys

import numpy as np
import pandas as pd

from benchmarks.report import load_results
from benchmarks.stats import TIME_FRACTIONS, at_budget, paired_differences, paired_verdict, score_range


def main(ref: str, a: str, b: str = "hb") -> None:
    df = load_results(f"results_{ref}.jsonl" if ref in ("b20", "b50") else ref)
    df = df[df.agent.isin([b, a])]
    lo, hi = score_range(df)
    span = (hi - lo).replace(0, np.nan)
    print(f"| % of time | W/T/L of {a} per task | regret difference ({a} - {b}) ± 2 SE | "
          f"test-of-best difference ± 2 SE | no full evaluation yet ({b} / {a}) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for frac in TIME_FRACTIONS:
        d = at_budget(df, frac, time=True)
        tasks = sorted(d.task.unique())
        v = [paired_verdict(paired_differences(d[d.task == t], a, b)) for t in tasks]
        # Only the task-seeds both agents have run (a run not yet made is not a tie).
        both = d.groupby(["task", "seed"]).agent.transform("nunique") == 2
        wide = d[both].pivot_table(index=["task", "seed"], columns="agent", values=["best_val", "test_of_best"])
        scale = span.reindex(wide.index.get_level_values(0)).to_numpy()
        # Lower regret is better; a task whose runs all scored the same (span 0) adds 0, as in the report.
        regret = (-(wide["best_val"][a] - wide["best_val"][b]) / scale).fillna(0.0)
        test = wide["test_of_best"][a] - wide["test_of_best"][b]
        none = d[d.best_val.isna()].groupby("agent").size().reindex([b, a]).fillna(0).astype(int)
        print(f"| {frac} | {v.count('win')}/{v.count('tie')}/{v.count('loss')} | {_pm(regret)} (n={len(regret)}) | "
              f"{_pm(test)} | {none[b]} / {none[a]} |")  # fmt: skip


def _pm(x: pd.Series) -> str:
    return f"{x.mean():+.4f} ± {2 * x.std(ddof=1) / np.sqrt(len(x)):.4f}"


if __name__ == "__main__":
    main(*sys.argv[1:2], *(sys.argv[2:4] or ["hb+prior10"]))
