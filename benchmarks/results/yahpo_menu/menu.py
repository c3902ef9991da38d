"""The menu study (:mod:`benchmarks.menu`) on YAHPO Gym's ``rbv2_xgboost``, under log-loss.

    python menu.py > menu.md    # from this folder, about a minute; needs the [yahpo] extra and the data

The menu: 250 configurations drawn once (``agents.prior.yahpo.yahpo_menu``, seed 0,
conditions kept) from ``HPO-XGB-YAHPO-v0``'s space, scored by the surrogate on each of the
119 tasks at full fidelity (``val_score`` = -log-loss; a prediction that contradicts itself
is a failure, counted as the task's worst real score in the menu). Tasks are held out by 5 folds
(``agents.transfer.folds.grouped_folds``, seed 0; no families of near-duplicates are known
among these OpenML ids). No meta-features are known for these tasks, so there is no
meta-kNN row. The surrogate predicts no test score, so there is no test table.
"""

import numpy as np

from agents.prior.yahpo import yahpo_menu
from agents.transfer.folds import grouped_folds
from benchmarks.menu import BUDGETS, menu_study, table

MENU = 250


def main() -> None:
    tasks, _, _, val, _ = yahpo_menu(MENU, seed=0)
    failed = val == -10.0  # counted as the task's worst real score, so -10 does not stretch the regret's scale
    val = np.where(failed, np.where(failed, np.inf, val).min(axis=0), val)
    folds = [sorted(tasks.index(t) for t in fold) for fold in grouped_folds(tasks, 5, seed=0)]
    out = menu_study(val, folds)
    distinct = np.median([len(np.unique(np.round(val[:, j], 6))) for j in range(val.shape[1])])
    print(f"{len(tasks)} YAHPO rbv2_xgboost tasks, each held out; mean normalized regret (on -log-loss) of the best of")
    print(f"the first k picks from a shared menu of {MENU} surrogate evaluations; a table has a median of {distinct:g}")
    n_failed = int(failed.any(axis=0).sum())
    print(f"distinct scores among its rows; on {n_failed} tasks the surrogate contradicts itself on some rows:")
    print("failures (hpo_env.yahpo.objective.impossible), counted as the task's worst real score. In brackets: the")
    print("difference from `portfolio` +- 2 standard errors over tasks; negative is better.\n")
    table(out, [f"k={b}" for b in BUDGETS])


if __name__ == "__main__":
    main()
