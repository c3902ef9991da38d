"""Tie-aware statistics of benchmark results at several budgets, read off the trajectories.

Every run's ``trajectory`` holds the best validation score (and the test score of that
configuration) after each real evaluation, so one run at budget 100 also answers budgets
10, 25 and 50. At each budget:

- **mean rank**: per task, the agents ranked by their mean best validation score over
  seeds (ties share the average rank), then averaged over tasks; 1 is best;
- **normalized regret**: per task, ``(hi - mean best) / (hi - lo)``, where ``hi`` is the best
  score any run reached on the task and ``lo`` the worst first evaluation of any run, so
  each task is scaled by its own range (as HPO-B does); 0 is the best seen;
- **win / tie / loss** against a reference agent: per task, the mean paired difference over
  seeds, a tie when within 2 standard errors of 0;
- **at least as good on the mean** as the reference, the paper's count, as a secondary column;
- a **critical-difference diagram**: Friedman's test over tasks, then Nemenyi's post-hoc
  test (``scikit-posthocs``); agents joined by a bar are not told apart.

A budget counts real evaluations (``unit="evals"``). Time-budgeted runs are read on their
clock instead, since their evaluations differ in cost: at multiples of the task's median
evaluation (``unit="median"``, :func:`median_eval_s`), or at percentages of each run's time
budget (``unit="pct"``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BUDGETS",
    "MEDIAN_UNITS",
    "TIME_FRACTIONS",
    "at_budget",
    "budget_lines",
    "budget_table",
    "critical_difference",
    "budget_points",
    "log_time_regret",
    "median_eval_s",
    "regret_area",
    "time_reach",
    "time_to_reach",
    "paired_differences",
    "paired_verdict",
    "score_range",
]

#: The budgets the report leads with (those a run reached).
BUDGETS = (10, 25, 50, 100)
#: Percentages of the time budget the report reads runs with one at (``hpo-rl bench --time-budget``).
TIME_FRACTIONS = (25, 50, 100)
#: Time budgets, in the task's median evaluations, that the report reads time-budgeted runs at.
MEDIAN_UNITS = (2, 5, 10, 25, 50, 200)


def paired_verdict(d: np.ndarray) -> str:
    """'win', 'tie' or 'loss' of the first agent, from paired differences over seeds: a tie
    when the mean is within 2 standard errors of 0 (with one seed, only when it is 0)."""
    if len(d) == 0:
        return "n/a"
    with np.errstate(invalid="ignore"):  # a run with no success is -inf (paired_differences)
        m = float(np.mean(d))
        se = float(np.std(d, ddof=1)) / math.sqrt(len(d)) if len(d) > 1 else math.nan
    if len(d) > 1 and abs(m) <= 2 * se:
        return "tie"
    return "win" if m > 0 else ("loss" if m < 0 else "tie")


def _after(traj: list[list[Any]], b: float, col: int, axis: int = 0) -> float:
    """Column ``col`` (2: best validation, 3: its test score) after ``b`` evaluations, or with
    ``axis=1`` at ``b`` wall seconds (NaN before any success)."""
    val = float("nan")
    for row in traj:
        if row[axis] > b:
            break
        if len(row) > col and row[col] is not None:
            val = float(row[col])
    return val


def median_eval_s(df: pd.DataFrame) -> pd.Series:
    """Per task, the seconds of its median evaluation: the median over the task's runs of each
    run's evaluation seconds per full-evaluation equivalent (``eval_s / full_evals``; a
    partial evaluation counts for what it stands for). The clock's unit that makes tasks of
    different cost comparable; the agent's own time is not in it."""
    if "eval_s" not in df:  # results written before it was recorded: no unit to read them in
        return pd.Series(np.nan, index=pd.Index(df.task.unique(), name="task"))
    full = df["full_evals"] if "full_evals" in df else df["n_real_evals"]
    per = df["eval_s"] / full.fillna(df["n_real_evals"]).where(lambda x: x > 0)
    return per.groupby(df["task"]).median()


def time_to_reach(run: Any, target: float, unit: float) -> float:
    """Wall time at which ``run``'s best validation first reaches ``target``, in ``unit``
    seconds (``inf`` if it never does)."""
    hit = next((w for _, w, b, *_ in run["trajectory"] if b is not None and b >= target), None)
    return math.inf if hit is None else hit / unit


def time_reach(df: pd.DataFrame) -> float:
    """The most median evaluations (:func:`median_eval_s`) every run's time budget reaches on
    its task; NaN for results without evaluation seconds."""
    return float((df.time_budget / df.task.map(median_eval_s(df))).min(skipna=False))


def _limits(df: pd.DataFrame, b: float, unit: str) -> list[float]:
    """Each run's limit at budget ``b`` in ``unit``: evaluations, or seconds on its clock."""
    if unit == "evals":
        return [b] * len(df)
    if unit == "pct":
        return [b / 100 * tb for tb in df.time_budget]
    if unit == "median":
        med = median_eval_s(df)
        return [b * med[t] for t in df.task]
    raise ValueError(f"unit={unit!r}; expected 'evals', 'pct' or 'median'")


def at_budget(df: pd.DataFrame, b: float, unit: str = "evals") -> pd.DataFrame:
    """``df`` with ``best_val`` and ``test_of_best`` as they stood at budget ``b``: after ``b``
    real evaluations, at ``b`` percent of each run's ``time_budget`` (``unit="pct"``), or at ``b``
    of the task's median evaluations on the run's clock (``unit="median"``)."""
    out, axis = df.copy(), 0 if unit == "evals" else 1
    limits = _limits(df, b, unit)
    for col, name in ((2, "best_val"), (3, "test_of_best")):
        out[name] = [_after(t, x, col, axis) for t, x in zip(df.trajectory, limits, strict=True)]
    return out


def budget_table(df: pd.DataFrame, b: float, reference: str | None = None, unit: str = "evals") -> pd.DataFrame:
    """One row per agent at budget ``b`` in ``unit`` (:func:`at_budget`): mean rank, normalized
    regret, mean best validation and test-of-best, and against ``reference`` win/tie/loss and
    "at least as good on the mean"."""
    d = at_budget(df, b, unit)
    # tasks x agents; a seed with no success yet makes the task's mean NaN (ranked last, regret 1),
    # as it makes the paired differences lose.
    means = d.groupby(["task", "agent"]).best_val.agg(lambda x: x.mean(skipna=False)).unstack()
    lo, hi = score_range(df)
    span = (hi - lo).reindex(means.index)
    # An agent with no success yet on a task (NaN) ranks last there and has the regret of the
    # worst first evaluation; a task whose runs all scored the same has regret 0.
    worst = means.apply(lambda col: col.fillna(lo.reindex(means.index)))
    regret = worst.rsub(hi.reindex(means.index), axis=0).div(span.where(span > 0), axis=0).fillna(0.0)
    table = pd.DataFrame(
        {
            "mean_rank": means.fillna(-np.inf).rank(axis=1, ascending=False, method="average").mean(),
            "regret": regret.mean(),
            "best_val": means.mean(),
            "test_of_best": d.groupby(["task", "agent"]).test_of_best.mean().unstack().mean(),
        }
    )
    if reference is not None:
        for a in table.index:
            v = [paired_verdict(paired_differences(d[d.task == t], a, reference)) for t in means.index]
            table.loc[a, "wtl"] = f"{v.count('win')}/{v.count('tie')}/{v.count('loss')}"
            table.loc[a, "at_least"] = int((means[a] >= means[reference] - 1e-12).sum())
    return table


def score_range(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per task, the worst first evaluation of any run and the best score of any run: the
    range normalized regret is scaled by (0 at the best, 1 at the worst first evaluation)."""
    lo = df.groupby("task").trajectory.apply(lambda ts: min(_after(t, 1, 2) for t in ts))
    return lo, df.groupby("task").best_val.max()


def paired_differences(df: pd.DataFrame, a: str, b: str) -> np.ndarray:
    """``a``'s best validation minus ``b``'s per seed. A run with no success yet (NaN) counts
    as -inf, so it loses to any run that has one (two such runs give NaN, a tie)."""
    pa = df[df.agent == a].set_index("seed")["best_val"].fillna(-np.inf)
    pb = df[df.agent == b].set_index("seed")["best_val"].fillna(-np.inf)
    common = pa.index.intersection(pb.index)
    return (pa[common] - pb[common]).to_numpy()


def critical_difference(df: pd.DataFrame, b: float, path: Path, unit: str = "evals") -> float | None:
    """Friedman's p-value over tasks at budget ``b`` and a critical-difference diagram (Nemenyi)
    saved to ``path``; None (no diagram) with fewer than 3 agents or 2 tasks that all ran."""
    import matplotlib.pyplot as plt
    import scikit_posthocs as sp
    from scipy.stats import friedmanchisquare

    means = at_budget(df, b, unit).groupby(["task", "agent"]).best_val.mean().unstack().dropna()
    if means.shape[1] < 3 or means.shape[0] < 2 or (means.nunique(axis=1) <= 1).all():
        return None  # too few to rank, or every agent ties on every task: nothing to test
    p = float(friedmanchisquare(*(means[a].to_numpy() for a in means.columns)).pvalue)
    ranks = means.rank(axis=1, ascending=False, method="average").mean()
    sig = sp.posthoc_nemenyi_friedman(means.to_numpy())
    sig.index = sig.columns = means.columns
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.3 * len(ranks)))
    sp.critical_difference_diagram(ranks, sig, ax=ax)
    ax.set_title(
        f"{_label(b, unit)}: mean rank over {len(means)} tasks, Friedman p = {p:.3g}\n"
        "a bar joins agents Nemenyi's test does not tell apart (p >= 0.05)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return p


def _label(b: float, unit: str) -> str:
    return {"pct": f"{b:g}% of the time budget", "median": f"{b:g} median evaluations"}.get(unit, f"budget {b:g}")


def budget_points(df: pd.DataFrame, budgets: tuple[int, ...] = BUDGETS) -> tuple[str, list[float]]:
    """The unit and the budgets a report reads ``df`` at: time-budgeted runs at the
    :data:`MEDIAN_UNITS` that every run's time budget reaches on its task (else, or without
    evaluation seconds on record, at :data:`TIME_FRACTIONS` of it); other runs at the count
    budgets they reached."""
    if "time_budget" in df and df.time_budget.notna().all():
        reach = time_reach(df)
        units = [float(u) for u in MEDIAN_UNITS if u <= reach]
        return ("median", units) if units else ("pct", [float(b) for b in TIME_FRACTIONS])
    top = int(df.budget.max())
    return "evals", sorted({b for b in budgets if b <= top} | {top})


_HEADS = {"evals": "budgets {}", "median": "{} of the task's median evaluations", "pct": "{} % of the time budget"}
_COLUMN = {"evals": "budget", "median": "median evals", "pct": "% of time"}


def budget_lines(df: pd.DataFrame, out: Path, reference: str | None, budgets: tuple[int, ...] = BUDGETS) -> list[str]:
    """The report's leading section: the table at each budget the runs reached, and a
    critical-difference diagram per budget (:func:`budget_points` says which budgets)."""
    unit, bs = budget_points(df, budgets)
    ref = f" against {reference}" if reference else ""
    head = _HEADS[unit].format(", ".join(f"{b:g}" for b in bs))
    lines = [f"## At {head}: rank, regret{' and paired wins' + ref if reference else ''}", ""]
    legend = ("Mean rank of the per-task mean best validation score (1 is best); normalized regret (0 is the best "
              "seen on the task, 1 the worst first evaluation)")  # fmt: skip
    if unit == "median":
        legend += "; times on each run's clock (the agent's own time included), in units of median_eval_s"
    if reference:
        legend += ("; W/T/L: per task, a tie when the paired difference over seeds is within 2 standard errors; "
                   "≥ ref: tasks where the mean is at least the reference's")  # fmt: skip
    lines += [legend + ".", ""]
    cols = f"| {_COLUMN[unit]} | agent | mean rank | normalized regret | best val | test of best |"
    lines += [cols + (" W/T/L | ≥ ref |" if reference else ""), "|---" * (6 + 2 * bool(reference)) + "|"]
    for b in bs:
        t = budget_table(df, b, reference, unit).sort_values("mean_rank")
        for a, r in t.iterrows():
            test = "—" if pd.isna(r.test_of_best) else f"{r.test_of_best:.4f}"  # a surrogate may predict no test
            row = f"| {b:g} | {a} | {r.mean_rank:.2f} | {r.regret:.3f} | {r.best_val:.4f} | {test} |"
            if reference:
                row += " — | — |" if a == reference else f" {r.wtl} | {int(r.at_least)} |"
            lines.append(row)
    lines.append("")
    for b in bs:
        name = f"cd_{b:g}{ {'evals': '', 'pct': 'pct', 'median': 'med'}[unit] }.png"
        if critical_difference(df, b, out / name, unit) is not None:
            lines += [f"![critical difference at {_label(b, unit)}]({name})", ""]
    return lines


def log_time_regret(df: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    """Mean normalized regret over tasks (rows: ``grid``, in the task's median evaluations;
    columns: agents), read off time-budgeted runs' clocks: the curve of the anytime plot."""
    return pd.DataFrame({float(u): budget_table(df, float(u), unit="median").regret for u in grid}).T


def regret_area(curve: pd.DataFrame) -> pd.Series:
    """Per agent, the area under the regret curve against log time, divided by the log range:
    the mean normalized regret over the budgets, each decade weighted alike (0 is best)."""
    x = np.log(curve.index.to_numpy(dtype=float))
    return curve.apply(lambda y: float(np.trapezoid(y.to_numpy(), x) / (x[-1] - x[0])))
