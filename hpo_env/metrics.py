"""Validation metrics. Higher is always better.

Classification metrics score class probabilities (n, k) against labels ``0..k-1``;
regression metrics score predictions (n,) against real targets. A regression metric's
score is in the target's units (``neg_rmse``, ``neg_mae``) or unitless (``r2``); the
env's reward is a bounded transform of it (:meth:`Metric.reward`), so any RL algorithm
sees the same scale on every task:

| metric | score | reward, clipped to [-1, 1] | failure score |
|---|---|---|---|
| ``r2`` | R² | R² | -1 |
| ``neg_rmse`` | -RMSE | 1 - RMSE / SD | -2 SD |
| ``neg_mae`` | -MAE | 1 - MAE / MAD | -2 MAD |

SD is the standard deviation of the training targets and MAD their mean absolute
deviation from the median, so 0 is what predicting the training mean (or median) earns
and 1 is a perfect fit. Classification rewards are the scores themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CLASSIFICATION_METRICS", "METRICS", "REGRESSION_METRICS", "Metric", "get_metric"]


@dataclass(frozen=True)
class Metric:
    """A score of predictions against targets: class probabilities (n, k) against labels
    in ``0..k-1`` (``kind="classification"``), or predictions (n,) against real targets
    (``kind="regression"``).

    ``failure_score(k, scale)`` is the score a failed or timed-out evaluation gets: the
    worst value the metric can take for a sensible model, so a failure never looks good.
    ``scale(y_train)`` is the task's unit for the reward (1 for classification), and
    ``reward(score, scale)`` the bounded reward of a score (the table in the module docstring).
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray, int], float]
    failure_score: Callable[[int, float], float]
    kind: str = "classification"
    scale: Callable[[np.ndarray], float] = lambda y: 1.0
    reward: Callable[[float, float], float] = lambda score, scale: float(score)

    def __call__(self, y: np.ndarray, pred: np.ndarray, n_classes: int = 0) -> float:
        return float(self.fn(y, pred, n_classes))

    def __reduce__(self) -> tuple:
        # A built-in metric travels to parallel workers by name (its lambdas cannot be pickled).
        if METRICS.get(self.name) is self:
            return (get_metric, (self.name,))
        return super().__reduce__()


def _accuracy(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(np.mean(p.argmax(axis=1) == y))


def _balanced_accuracy(y: np.ndarray, p: np.ndarray, k: int) -> float:
    # scikit-learn's balanced_accuracy_score: the mean recall over the classes present in y,
    # in numpy (its input checks cost milliseconds, and each evaluation scores every metric).
    hits = np.bincount(y, weights=p.argmax(axis=1) == y, minlength=k)
    counts = np.bincount(y, minlength=k)
    return float(np.mean(hits[counts > 0] / counts[counts > 0]))


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) statistic, ties as half: scikit-learn's value."""
    from scipy.stats import rankdata

    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("only one class present in y: ROC AUC is not defined")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y: np.ndarray, p: np.ndarray, k: int) -> float:
    if k == 2:
        return _binary_auc(y == 1, p[:, 1])
    present = np.unique(y)
    # One-vs-rest macro AUC over the classes present in this split (scikit-learn's multi_class="ovr").
    sub = p[:, present] / np.clip(p[:, present].sum(axis=1, keepdims=True), 1e-12, None)
    if len(present) == 2:
        return _binary_auc(y == present[1], sub[:, 1])
    return float(np.mean([_binary_auc(y == c, sub[:, i]) for i, c in enumerate(present)]))


def _neg_log_loss(y: np.ndarray, p: np.ndarray, k: int) -> float:
    p = np.clip(p, 1e-15, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    return float(np.mean(np.log(p[np.arange(len(y)), y])))


def _clip(x: float) -> float:
    return float(min(1.0, max(-1.0, x)))


def _std(y: np.ndarray) -> float:
    return float(np.std(y)) or 1.0


def _mad(y: np.ndarray) -> float:
    return float(np.mean(np.abs(y - np.median(y)))) or 1.0


def _r2(y: np.ndarray, p: np.ndarray, k: int) -> float:
    ss = float(np.sum((y - np.mean(y)) ** 2))
    return 1.0 - float(np.sum((y - p) ** 2)) / ss if ss > 0 else (1.0 if np.allclose(y, p) else 0.0)


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", _accuracy, lambda k, s: 0.0),
    "balanced_accuracy": Metric("balanced_accuracy", _balanced_accuracy, lambda k, s: 0.0),
    "roc_auc": Metric("roc_auc", _roc_auc, lambda k, s: 0.0),
    # Twice the log-loss of a uniform guess: worse than knowing nothing.
    "neg_log_loss": Metric("neg_log_loss", _neg_log_loss, lambda k, s: -2.0 * math.log(max(k, 2))),
    "r2": Metric("r2", _r2, lambda k, s: -1.0, "regression", reward=lambda v, s: _clip(v)),
    "neg_rmse": Metric(
        "neg_rmse",
        lambda y, p, k: -float(np.sqrt(np.mean((y - p) ** 2))),
        lambda k, s: -2.0 * s,
        "regression",
        _std,
        lambda v, s: _clip(1.0 + v / s),
    ),
    "neg_mae": Metric(
        "neg_mae",
        lambda y, p, k: -float(np.mean(np.abs(y - p))),
        lambda k, s: -2.0 * s,
        "regression",
        _mad,
        lambda v, s: _clip(1.0 + v / s),
    ),
}
#: Metrics by kind of target.
CLASSIFICATION_METRICS = tuple(n for n, m in METRICS.items() if m.kind == "classification")
REGRESSION_METRICS = tuple(n for n, m in METRICS.items() if m.kind == "regression")


def get_metric(name: str | Metric) -> Metric:
    if isinstance(name, Metric):
        return name
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(METRICS)}") from None
