"""Can the meta-features predict where a task's best configurations lie, on held-out tasks?

    python predictable.py > predictable.md    # from this folder, about 1 min

The same targets as ``run.py``: per corpus task, the median (in action units) of each
hyperparameter over the task's 15 best table configurations. Predicted from the task's 9
meta-features (``hpo_env.meta_features``, stored in its table) by a random forest and by
the mean of the 5 nearest tasks, each fit on 4 of the project's 5 grouped folds
(``agents.transfer.folds.grouped_folds``, families kept whole) and scored on the fifth.
Reported: the Spearman correlation of the held-out predictions with the targets, and, as
the ceiling the noise of the target allows, its split-half reliability: the same median
from the table's even rows against the one from its odd rows (best ``TOP // 2`` of each),
correlated across tasks. If the forest and the neighbours cannot predict a target that
is reliable, no policy conditioned on the same features can.
"""

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from sklearn.neighbors import KNeighborsRegressor

from agents.transfer.folds import grouped_folds
from benchmarks.suites import SUITES
from hpo_env.fast.surrogate import table_meta_features
from hpo_env.fast.tables import Table

TOP = 15


def best_median(table: Table, rows: slice = slice(None), top: int = TOP) -> np.ndarray:
    """The median action of the ``top`` best successful configurations among ``rows``."""
    X, val = table.X[rows][~table.failed[rows]], table.val[rows][~table.failed[rows]]
    return np.median(X[np.argsort(-val)[:top]], 0)


def main() -> None:
    tasks = list(SUITES["corpus"])
    tables = [Table.load(t) for t in tasks]
    X = np.array([table_meta_features(t) for t in tables])
    Y = np.array([best_median(t) for t in tables])
    halves = [np.array([best_median(t, slice(i, None, 2), TOP // 2) for t in tables]) for i in (0, 1)]
    models = {
        "random forest": lambda: RandomForestRegressor(200, min_samples_leaf=3, random_state=0),
        "5 nearest tasks": lambda: KNeighborsRegressor(5),
    }
    pred = {name: np.zeros_like(Y) for name in models}
    for fold in grouped_folds(tasks, 5, seed=0):
        test = np.isin(tasks, fold)
        for name, make in models.items():
            pred[name][test] = make().fit(X[~test], Y[~test]).predict(X[test])
    names = tables[0].space.names
    print(f"{len(tasks)} tasks, grouped 5-fold; Spearman of held-out predictions with the best's median\n")
    print("| hyperparameter | " + " | ".join(models) + " | split-half reliability of the target |")
    print("|---|" + "---|" * (len(models) + 1))
    for j, n in enumerate(names):
        cells = [f"{spearmanr(pred[m][:, j], Y[:, j]).statistic:+.2f}" for m in models]
        cells.append(f"{spearmanr(halves[0][:, j], halves[1][:, j]).statistic:+.2f}")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
