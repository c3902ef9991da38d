"""The menu study (:mod:`benchmarks.menu`) on YAHPO Gym's ``rbv2_xgboost``, under log-loss.

    python menu.py > menu.md    # from this folder, about a minute; needs the [yahpo] extra and the data

The menu: 250 configurations drawn once (``SearchSpace.sample`` with seed 0, conditions
kept) from ``HPO-XGB-YAHPO-v0``'s space, scored by the surrogate on each of the 119 tasks at
full fidelity (``val_score`` = -log-loss). Tasks are held out by 5 folds
(``agents.prior.folds.grouped_folds``, seed 0; no families of near-duplicates are known
among these OpenML ids). No meta-features are known for these tasks, so there is no
meta-kNN row. The surrogate predicts no test score, so there is no test table.
"""

import numpy as np

from agents.prior.folds import grouped_folds
from benchmarks.menu import BUDGETS, menu_study, table
from benchmarks.suites import SUITES
from hpo_env.yahpo import YahpoObjective, YahpoSurrogate

__all__ = ["MENU", "menu"]

MENU = 250


def menu() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The tasks, and the menu's scores and predicted training seconds (rows x tasks)."""
    surrogate = YahpoSurrogate("rbv2_xgboost")
    tasks = list(SUITES["yahpo"])
    space = YahpoObjective(tasks[0], surrogate).space
    rng = np.random.default_rng(0)
    configs = [space.sample(rng) for _ in range(MENU)]
    val, secs = np.zeros((MENU, len(tasks))), np.zeros((MENU, len(tasks)))
    for j, task in enumerate(tasks):
        obj = YahpoObjective(task, surrogate)
        for i, c in enumerate(configs):
            ev = obj.evaluate(c)
            val[i, j], secs[i, j] = ev.val_score, ev.seconds
    return tasks, val, secs


def main() -> None:
    tasks, val, _ = menu()
    folds = [sorted(tasks.index(t) for t in fold) for fold in grouped_folds(tasks, 5, seed=0)]
    out = menu_study(val, folds)
    distinct = np.median([len(np.unique(np.round(val[:, j], 6))) for j in range(val.shape[1])])
    print(f"{len(tasks)} YAHPO rbv2_xgboost tasks, each held out; mean normalized regret (on -log-loss) of the best of")
    print(f"the first k picks from a shared menu of {MENU} surrogate evaluations; a table has a median of {distinct:g}")
    print("distinct scores among its rows (in brackets: the paired difference from `portfolio` +- 2 standard errors")
    print("over tasks; negative is better)\n")
    table(out, [f"k={b}" for b in BUDGETS])


if __name__ == "__main__":
    main()
