"""How much can knowing the task help the first proposals? Measured on real scores only.

    python menu.py > menu.md    # from this folder, under a minute

Every corpus table starts with the same 250 random configurations (``hpo-rl collect``'s
seeded design), each measured with real XGBoost on its task. So the 250 are a menu on
which every strategy's picks have a real validation score, and nothing is evaluated or
predicted by a surrogate (as HPO-B's discrete benchmarks do). Each held-out task (grouped
5 folds, ``agents.transfer.folds.grouped_folds``, families kept whole) is tuned by picking
menu rows, using only its fold's training tables, by:

- ``random``: the mean over 200 random orders;
- ``portfolio``: the greedy portfolio (``agents.transfer.portfolio.greedy_portfolio``) of the
  training tables, each row scored by its percentile on each table; the same for every task;
- ``meta-kNN``: greedy with most weight (``1 - MIX``) on the ``NEAR`` training tables
  nearest in the 9 standardized meta-features, the task description the prior sees;
- ``in-context``: the adaptive portfolio's rule (``agents.transfer.adaptive``): each pick
  greedy under RGPE's weights of the training tables, from how well each ranks the rows the
  task has measured so far (uniform at first, so it starts as the portfolio);
- ``oracle-similar``: the same, with the weight on the ``NEAR`` training tables whose 250
  scores correlate most with the task's own (Spearman): the best any similarity-based transfer could do here. It
  uses the task's unseen scores, so it is a ceiling, not a method.

The methods and their statistics are :mod:`benchmarks.menu`'s.
Reported: the mean over the 79 tasks of the normalized regret of the best pick so far,
``(menu best - best so far) / (menu best - menu worst)``, after 1, 3, 5, 10 and 25 picks,
and each method's paired difference from ``portfolio`` with 2 standard errors over tasks.
``NEAR`` and ``MIX`` were set before the first run and not tuned. Once nothing gains, a
method takes the menu's next row, which is random search.
"""

import numpy as np

from agents.transfer.folds import grouped_folds
from benchmarks.menu import BUDGETS, menu_study, picks, regret_curve, table
from benchmarks.suites import SUITES
from hpo_env.fast.surrogate import table_meta_features
from hpo_env.fast.tables import Table

__all__ = ["BUDGETS", "MENU", "picks", "regret_curve", "run", "table"]  # menu_time.py reads these

MENU = 250


def run() -> dict[str, np.ndarray]:
    """Each method's regret curves and test scores of its choices, ``(tasks, 2 * budgets)``,
    every task held out by its fold."""
    tasks = list(SUITES["corpus"])
    tables = [Table.load(t) for t in tasks]
    val = np.array([t.val[:MENU] for t in tables]).T  # (menu rows, tasks)
    test = np.array([t.test[:MENU] for t in tables]).T
    meta = np.array([table_meta_features(t) for t in tables])
    folds = [sorted(tasks.index(t) for t in fold) for fold in grouped_folds(tasks, 5, seed=0)]
    return menu_study(val, folds, test, meta)


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
