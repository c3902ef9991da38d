"""Task meta-features: a short, fixed description of a data set that a policy can condition on.

What a policy trained across tasks can carry to a new one is a mapping from "what kind of
data is this" to "where are good configurations". These features say what kind: size,
dimensionality, class count and balance, share of categorical features, and cheap
landmarkers (the accuracy of a decision stump and of naive Bayes, against the majority
rate). They are computed once per task from its training rows (a seeded sample of at
most ``max_rows`` for large data), each scaled into [0, 1], and never from validation or
test rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hpo_env.tasks import Task

__all__ = ["META_FEATURES", "meta_features"]

#: Names, in the order of the vector :func:`meta_features` returns.
META_FEATURES = (
    "log_rows",  # log10(rows) / 6
    "log_features",  # log10(features) / 4
    "log_classes",  # log2(classes) / 7
    "class_entropy",  # entropy of the class shares / log(classes): 1 is balanced
    "minority_share",  # smallest class share x classes: 1 is balanced, near 0 is one dominant class
    "categorical_share",  # share of categorical columns
    "majority_rate",  # accuracy of always guessing the largest class
    "stump_accuracy",  # 3-fold accuracy of a depth-1 decision tree
    "naive_bayes_accuracy",  # 3-fold accuracy of Gaussian naive Bayes
)


def _numeric(X: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Features as floats: categorical columns as their codes, missing values as the column median."""
    if isinstance(X, pd.DataFrame):
        cols = []
        for c in X.columns:
            s = X[c]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cols.append(s.cat.codes.to_numpy(dtype=np.float64))
            else:
                cols.append(pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64))
        A = np.column_stack(cols) if cols else np.zeros((len(X), 0))
    else:
        A = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if A.size and np.isnan(A).any():
        med = np.nanmedian(np.where(np.isnan(A).all(axis=0), 0.0, A), axis=0)
        A = np.where(np.isnan(A), med, A)
    return A


def _cv_accuracy(model: object, X: np.ndarray, y: np.ndarray, seed: int) -> float:
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    if len(y) < 6:
        return float(np.mean(y == np.bincount(y).argmax()))
    scores = []
    for tr, te in KFold(3, shuffle=True, random_state=seed).split(X):
        m = clone(model).fit(X[tr], y[tr])
        scores.append(float(np.mean(m.predict(X[te]) == y[te])))
    return float(np.mean(scores))


def meta_features(task: Task, max_rows: int = 2000, seed: int = 0) -> np.ndarray:
    """The :data:`META_FEATURES` of ``task`` as a float32 vector in [0, 1]; the same for the same inputs.
    They describe classes, so a regression task is refused with a clear error."""
    if task.kind != "classification":
        raise ValueError(
            f"task {task.name!r} is a regression task; meta-features (and the learned prior that reads them) "
            "are for classification tasks"
        )
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    train = task.splits[0].train
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(train, size=max_rows, replace=False)) if len(train) > max_rows else train
    X, y = _numeric(task.rows(rows)), task.y[rows]
    k = task.n_classes
    n_features = int(task.X.shape[1])
    shares = np.bincount(task.y[train], minlength=k) / len(train)
    nz = shares[shares > 0]
    cats = task.info.get("categorical_features", [])
    values = [
        math.log10(len(task.y)) / 6.0,
        math.log10(max(n_features, 1)) / 4.0,
        math.log2(k) / 7.0,
        float(-(nz * np.log(nz)).sum() / math.log(k)),
        float(shares.min() * k),
        len(cats) / max(n_features, 1),
        float(shares.max()),
        _cv_accuracy(DecisionTreeClassifier(max_depth=1, random_state=seed), X, y, seed),
        _cv_accuracy(GaussianNB(), X, y, seed),
    ]
    return np.clip(np.nan_to_num(np.array(values, dtype=np.float64), nan=0.0), 0.0, 1.0).astype(np.float32)
