"""Under a wall-clock budget, does it pay to know what a configuration costs?

    python menu_time.py > menu_time.md    # from this folder, under a minute

The menu of ``menu.py`` (the 250 random configurations every corpus table starts with,
each measured for real on every task), now with the seconds each took (one XGBoost thread,
as ``hpo-rl collect`` runs). A configuration's cost relative to its task's median is much
the same from task to task, so the training tables predict it for a held-out one: the
geometric mean of its relative cost over the fold's training tables.

Methods, each on each held-out task (grouped 5 folds):

- ``random``: the mean over 200 random orders;
- ``portfolio``: the greedy portfolio of the training tables, blind to cost;
- ``cost-aware``: the same greedy, each row's gain divided by its predicted relative cost
  (as cost-aware Bayesian optimization divides expected improvement by cost);
- ``cost-aware, sqrt``: divided by the square root of it, a milder tilt.

Each runs its rows one after another on the task's measured seconds; at a budget of B
median evaluations (B times the task's median seconds on the menu) the best row finished
within it counts, and the regret is 1 before any finishes. Reported as in ``menu.py``:
the mean over tasks of the normalized regret, and the paired difference from
``portfolio`` with 2 standard errors over tasks. The two tilts were set before the first
run and not tuned.
"""

import numpy as np
from menu import BUDGETS, MENU, picks, regret_curve, table
from scipy.stats import rankdata, spearmanr

from agents.transfer.folds import grouped_folds
from benchmarks.suites import SUITES
from hpo_env.fast.tables import Table

TIMES = (2, 5, 10, 25, 50)  # budgets, in median evaluations of the task


def regret_in_time(val: np.ndarray, sec: np.ndarray, rows: list[int]) -> np.ndarray:
    """Normalized regret of the best row finished within each budget of :data:`TIMES`."""
    done = np.cumsum(sec[rows])
    best = np.maximum.accumulate(val[rows])
    out = []
    for b in TIMES:
        k = np.searchsorted(done, b * np.median(sec), side="right")
        out.append(1.0 if k == 0 else (val.max() - best[k - 1]) / (val.max() - val.min()))
    return np.array(out)


def run() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each method's regret at each time budget and after each number of picks (``menu.BUDGETS``),
    ``(tasks, budgets)``, and the cost of its first 3 picks relative to the task's median."""
    tasks = list(SUITES["corpus"])
    tables = [Table.load(t) for t in tasks]
    val = np.array([t.val[:MENU] for t in tables]).T
    sec = np.array([t.seconds[:MENU] for t in tables]).T
    pct = np.column_stack([rankdata(v) / MENU for v in val.T])
    log_rel = np.log(sec / np.median(sec, axis=0))
    rng, out = np.random.default_rng(0), {}
    for fold in grouped_folds(tasks, 5, seed=0):
        train = np.flatnonzero(~np.isin(tasks, fold))
        cost = np.exp(log_rel[:, train].mean(1))
        orders = {
            "portfolio": picks(pct[:, train], lambda rows: None, MENU),
            "cost-aware": picks(pct[:, train], lambda rows: None, MENU, cost),
            "cost-aware, sqrt": picks(pct[:, train], lambda rows: None, MENU, np.sqrt(cost)),
        }
        for i in np.flatnonzero(np.isin(tasks, fold)):
            v, s = val[:, i], sec[:, i]
            rand = [rng.permutation(MENU) for _ in range(200)]
            t, k = np.mean([regret_in_time(v, s, r) for r in rand], 0), np.mean([regret_curve(v, r) for r in rand], 0)
            out[i] = {"random": (t, k, np.exp(log_rel[:, i]).mean())}
            for m, r in orders.items():
                out[i][m] = (regret_in_time(v, s, r), regret_curve(v, r), np.exp(log_rel[r[:3], i]))
    return tuple({m: np.array([out[i][m][j] for i in range(len(tasks))]) for m in out[0]} for j in range(3))


def main() -> None:
    by_time, by_count, cost = run()
    print(f"{len(by_time['portfolio'])} corpus tasks, each held out; mean normalized regret of the best row")
    print(f"finished within B median evaluations of wall time, on the shared menu of {MENU} real evaluations")
    print("(in brackets: the paired difference from `portfolio` +- 2 standard errors over tasks; negative is better)\n")
    table(by_time, [f"B={b}" for b in TIMES])
    print("\nThe same orders counted in evaluations, as `menu.py` counts them (the best of the first k picks):\n")
    table(by_count, [f"k={b}" for b in BUDGETS])
    print("\nMedian over tasks of the cost of each of the first 3 picks, in the task's median evaluations:\n")
    for m, c in cost.items():
        print(f"- {m}: " + ", ".join(f"{x:.2f}" for x in np.median(c.reshape(len(c), -1), 0)))
    print("  (random: the mean cost of a menu row)")
    sec = np.array([Table.load(t).seconds[:MENU] for t in SUITES["corpus"]])
    rho = spearmanr(sec, axis=1).statistic[np.triu_indices(len(sec), 1)]
    print(f"\nSpearman of the menu rows' seconds between two tasks, over all pairs: median {np.median(rho):.2f}")


if __name__ == "__main__":
    main()
