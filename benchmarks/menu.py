"""The menu study: how much can knowing the task help the first proposals, on scores measured once?

A menu is one set of configurations scored on every task of a corpus (``val``: rows x
tasks). Each task, held out by its fold, is tuned by picking menu rows using only the
training tasks' scores, by:

- ``random``: the mean over 200 random orders;
- ``portfolio``: the greedy portfolio of the training tables (each row scored by its
  percentile on each table; :func:`agents.transfer.adaptive.weighted_gain`), the same for every task;
- ``meta-kNN`` (when meta-features are given): greedy with most weight (``1 - MIX``) on the
  ``NEAR`` training tables nearest in the standardized meta-features;
- ``in-context``: the adaptive portfolio's rule: each pick greedy under RGPE's weights of the
  training tables, from how well each ranks the rows the task has measured so far;
- ``oracle-similar``: the weight on the ``NEAR`` training tables whose menu scores correlate
  most with the task's own (Spearman). It uses the task's unseen scores: a ceiling, not a method.

Reported: the mean over tasks of the normalized regret of the best pick so far after each
of ``BUDGETS`` picks, each method's paired difference from ``portfolio`` with 2 standard
errors over tasks, and (when test scores are given) the test score of each method's choice.
Once nothing gains, a method takes the menu's next row, which is random search.
Used by ``benchmarks/results/prior_conditioning`` (PMLB tables) and ``yahpo_menu`` (YAHPO).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import rankdata, spearmanr

from agents.transfer.adaptive import rgpe_weights, weighted_gain

__all__ = ["BUDGETS", "MIX", "NEAR", "menu_study", "near_weights", "percentiles", "picks", "regret_curve", "table"]

#: The numbers of picks reported; the training tables the near methods weigh; the weight the
#: others keep. Set before the first run on the PMLB corpus and not tuned.
BUDGETS, NEAR, MIX = (1, 3, 5, 10, 25), 10, 0.05


def percentiles(val: np.ndarray) -> np.ndarray:
    """Each row's percentile within each task's column (ties share the mean rank)."""
    return np.column_stack([rankdata(v) / len(v) for v in val.T])


def picks(pct: np.ndarray, weights_of: Callable, n: int = max(BUDGETS), cost: np.ndarray | None = None) -> list[int]:
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


def _task_curves(v, t, p, near, similar, fixed: list[int], rng) -> dict[str, np.ndarray]:
    """Each method's regret curve (then the test score of its choice, if ``t``) on one held-out
    task; ``p``: the menu's percentiles on the training tables; ``near`` / ``similar``: indices
    of training tables (``near`` None: no meta-features, no meta-kNN)."""
    n = p.shape[1]

    def curve(rows) -> np.ndarray:
        reg = regret_curve(v, rows)
        return reg if t is None else np.concatenate([reg, test_of_chosen(v, t, list(rows))])

    out = {"random": np.mean([curve(rng.permutation(len(v))) for _ in range(200)], 0), "portfolio": curve(fixed)}
    if near is not None:
        out["meta-kNN"] = curve(picks(p, lambda rows: near_weights(n, near)))
    out["in-context"] = curve(picks(p, lambda rows: rgpe_weights(p[rows], v[rows], rng)))
    out["oracle-similar"] = curve(picks(p, lambda rows: near_weights(n, similar)))
    return out


def menu_study(
    val: np.ndarray, folds: Sequence[Sequence[int]], test: np.ndarray | None = None, meta: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Each method's curves, ``(tasks, budgets)`` (twice as wide with ``test``), every task held
    out by its fold. ``val`` / ``test``: menu rows x tasks; ``folds``: task indices held out
    together; ``meta``: tasks x meta-features (None: no meta-kNN)."""
    pct = percentiles(val)
    if meta is not None:
        meta = (meta - meta.mean(0)) / (meta.std(0) + 1e-12)
    rng, curves, n = np.random.default_rng(0), {}, val.shape[1]
    for fold in folds:
        train = np.setdiff1d(np.arange(n), fold)
        fixed = picks(pct[:, train], lambda rows: None)
        for i in fold:
            near = None if meta is None else np.argsort(((meta[train] - meta[i]) ** 2).sum(1), kind="stable")[:NEAR]
            similar = np.argsort([-spearmanr(val[:, i], val[:, j]).statistic for j in train], kind="stable")[:NEAR]
            t = None if test is None else test[:, i]
            curves[i] = _task_curves(val[:, i], t, pct[:, train], near, similar, fixed, rng)
    return {m: np.array([curves[i][m] for i in range(n)]) for m in curves[0]}


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
