"""How much can knowing the task help the first proposals? Measured on real scores only.

    python menu.py > menu.md    # from this folder, under a minute

Every corpus table starts with the same 250 random configurations (``hpo-rl collect``'s
seeded design), each measured with real XGBoost on its task. So the 250 are a menu on
which every strategy's picks have a real validation score, and nothing is evaluated or
predicted by a surrogate (as HPO-B's discrete benchmarks do). Each held-out task (grouped
5 folds, ``agents.prior.folds.grouped_folds``, families kept whole) is tuned by picking
menu rows, using only its fold's training tables, by:

- ``random``: the mean over 200 random orders;
- ``portfolio``: the greedy portfolio (``agents.prior.portfolio.greedy_portfolio``) of the
  training tables, each row scored by its percentile on each table; the same for every task;
- ``meta-kNN``: greedy with most weight (``1 - MIX``) on the ``NEAR`` training tables
  nearest in the 9 standardized meta-features, the task description the prior sees;
- ``in-context``: the adaptive portfolio's rule (``agents.prior.transfer``): each pick
  greedy under RGPE's weights of the training tables, from how well each ranks the rows the
  task has measured so far (uniform at first, so it starts as the portfolio);
- ``oracle-similar``: the same, with the weight on the ``NEAR`` training tables whose 250
  scores correlate most with the task's own (Spearman): the best any similarity-based transfer could do here. It
  uses the task's unseen scores, so it is a ceiling, not a method.

Reported: the mean over the 79 tasks of the normalized regret of the best pick so far,
``(menu best - best so far) / (menu best - menu worst)``, after 1, 3, 5, 10 and 25 picks,
and each method's paired difference from ``portfolio`` with 2 standard errors over tasks.
``NEAR`` and ``MIX`` were set before the first run and not tuned. Once nothing gains, a
method takes the menu's next row, which is random search.
"""

import numpy as np
from scipy.stats import rankdata, spearmanr

from agents.prior.folds import grouped_folds
from agents.prior.transfer import rgpe_weights, weighted_gain
from benchmarks.suites import SUITES
from hpo_env.fast.surrogate import table_meta_features
from hpo_env.fast.tables import Table

MENU, NEAR, MIX, BUDGETS = 250, 10, 0.05, (1, 3, 5, 10, 25)


def picks(pct: np.ndarray, weights_of, n: int = max(BUDGETS), cost: np.ndarray | None = None) -> list[int]:
    """``n`` menu rows, each the one with the largest :func:`weighted_gain` under
    ``weights_of(rows so far)`` (as ``AdaptivePortfolio.ask`` picks), divided by the row's
    ``cost`` if given; once nothing gains, the next row in the menu's (random) order."""
    rows: list[int] = []
    while len(rows) < n:
        best = pct[rows].max(0) if rows else np.zeros(pct.shape[1])
        gain = weighted_gain(pct, best, weights_of(rows)) / (1.0 if cost is None else cost)
        gain[rows] = -np.inf
        rows.append(int(np.argmax(gain)) if gain.max() > 0 else next(i for i in range(len(pct)) if i not in rows))
    return rows


def near_weights(n: int, near: np.ndarray) -> np.ndarray:
    """Weight ``1 - MIX`` shared by the ``near`` tables, ``MIX`` by all ``n``: once the near ones
    are covered, the picks go on as the portfolio's."""
    w = np.full(n, MIX / n)
    w[near] += (1 - MIX) / len(near)
    return w


def regret_curve(val: np.ndarray, picks: list[int]) -> np.ndarray:
    best = np.maximum.accumulate(val[picks])
    return np.array([(val.max() - best[b - 1]) / (val.max() - val.min()) for b in BUDGETS])


def test_of_chosen(val: np.ndarray, test: np.ndarray, picks: list[int]) -> np.ndarray:
    """The test score of the pick best on validation so far, after each number of picks in ``BUDGETS``."""
    best = [max(picks[:b], key=lambda i: val[i]) for b in BUDGETS]  # the first of equals, as the regret's
    return test[best]


def task_curves(v: np.ndarray, t: np.ndarray, p: np.ndarray, near, similar, fixed: list[int], rng) -> dict:
    """Each method's regret curve, then the test score of its choice, on one held-out task with
    menu validation and test scores ``v`` and ``t``; ``p``: the menu's percentiles on the
    training tables; ``near`` / ``similar``: indices of training tables."""
    n = p.shape[1]

    def curve(rows) -> np.ndarray:
        return np.concatenate([regret_curve(v, rows), test_of_chosen(v, t, list(rows))])

    return {
        "random": np.mean([curve(rng.permutation(MENU)) for _ in range(200)], 0),
        "portfolio": curve(fixed),
        "meta-kNN": curve(picks(p, lambda rows: near_weights(n, near))),
        "in-context": curve(picks(p, lambda rows: rgpe_weights(p[rows], v[rows], rng))),
        "oracle-similar": curve(picks(p, lambda rows: near_weights(n, similar))),
    }


def run() -> dict[str, np.ndarray]:
    """Each method's regret curves and test scores of its choices, ``(tasks, 2 * budgets)``,
    every task held out by its fold."""
    tasks = list(SUITES["corpus"])
    tables = [Table.load(t) for t in tasks]
    val = np.array([t.val[:MENU] for t in tables]).T  # (menu rows, tasks)
    test = np.array([t.test[:MENU] for t in tables]).T
    pct = np.column_stack([rankdata(v) / MENU for v in val.T])
    meta = np.array([table_meta_features(t) for t in tables])
    meta = (meta - meta.mean(0)) / (meta.std(0) + 1e-12)
    rng, curves = np.random.default_rng(0), {}
    for fold in grouped_folds(tasks, 5, seed=0):
        train = np.flatnonzero(~np.isin(tasks, fold))
        fixed = picks(pct[:, train], lambda rows: None)
        for i in np.flatnonzero(np.isin(tasks, fold)):
            near = np.argsort(((meta[train] - meta[i]) ** 2).sum(1), kind="stable")[:NEAR]
            similar = np.argsort([-spearmanr(val[:, i], val[:, j]).statistic for j in train], kind="stable")[:NEAR]
            curves[i] = task_curves(val[:, i], test[:, i], pct[:, train], near, similar, fixed, rng)
    return {m: np.array([curves[i][m] for i in range(len(tasks))]) for m in curves[0]}


def table(out: dict[str, np.ndarray], head: list[str]) -> None:
    """Markdown rows: each method's mean, and its paired difference from ``portfolio``."""
    n = len(out["portfolio"])
    print("| method | " + " | ".join(head) + " |")
    print("|---|" + "---|" * len(head))
    for m, r in out.items():
        d = r - out["portfolio"]
        cells = [f"{r[:, j].mean():.3f}" for j in range(len(head))]
        if m != "portfolio":
            se2 = 2 * d.std(0, ddof=1) / np.sqrt(n)
            cells = [f"{c} ({d[:, j].mean():+.3f} +- {se2[j]:.3f})" for j, c in enumerate(cells)]
        print(f"| {m} | " + " | ".join(cells) + " |")


def main() -> None:
    out = run()
    print(f"{len(out['portfolio'])} corpus tasks, each held out; mean normalized regret of the best of the first k")
    print(f"picks from a shared menu of {MENU} real evaluations (in brackets: the paired difference from")
    print("`portfolio` +- 2 standard errors over tasks; negative is better)\n")
    k = len(BUDGETS)
    table({m: r[:, :k] for m, r in out.items()}, [f"k={b}" for b in BUDGETS])
    print("\nMean test score of the pick best on validation so far (positive differences are better):\n")
    table({m: r[:, k:] for m, r in out.items()}, [f"k={b}" for b in BUDGETS])


if __name__ == "__main__":
    main()
