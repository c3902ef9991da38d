"""Validation metrics computed from predicted class probabilities. Higher is always better."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import balanced_accuracy_score, log_loss, roc_auc_score

__all__ = ["METRICS", "Metric", "get_metric"]


@dataclass(frozen=True)
class Metric:
    """A score of class probabilities ``proba`` (n, k) against labels ``y`` in ``0..k-1``.

    ``failure_score(k)`` is the reward a failed or timed-out evaluation gets: the worst
    value the metric can take for a sensible model, so a failure never looks good.
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray, int], float]
    failure_score: Callable[[int], float]

    def __call__(self, y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
        return float(self.fn(y, proba, n_classes))

    def __reduce__(self) -> tuple:
        # A built-in metric travels to parallel workers by name (its lambdas cannot be pickled).
        if METRICS.get(self.name) is self:
            return (get_metric, (self.name,))
        return super().__reduce__()


def _accuracy(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(np.mean(p.argmax(axis=1) == y))


def _balanced_accuracy(y: np.ndarray, p: np.ndarray, k: int) -> float:
    return float(balanced_accuracy_score(y, p.argmax(axis=1)))


def _roc_auc(y: np.ndarray, p: np.ndarray, k: int) -> float:
    if k == 2:
        return float(roc_auc_score(y, p[:, 1]))
    present = np.unique(y)
    # One-vs-rest macro AUC over the classes present in this split.
    sub = p[:, present] / np.clip(p[:, present].sum(axis=1, keepdims=True), 1e-12, None)
    if len(present) == 2:
        return float(roc_auc_score(y == present[1], sub[:, 1]))
    return float(roc_auc_score(y, sub, multi_class="ovr", labels=present))


def _neg_log_loss(y: np.ndarray, p: np.ndarray, k: int) -> float:
    p = np.clip(p, 1e-15, 1.0)
    return -float(log_loss(y, p / p.sum(axis=1, keepdims=True), labels=list(range(k))))


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", _accuracy, lambda k: 0.0),
    "balanced_accuracy": Metric("balanced_accuracy", _balanced_accuracy, lambda k: 0.0),
    "roc_auc": Metric("roc_auc", _roc_auc, lambda k: 0.0),
    # Twice the log-loss of a uniform guess: worse than knowing nothing.
    "neg_log_loss": Metric("neg_log_loss", _neg_log_loss, lambda k: -2.0 * math.log(max(k, 2))),
}


def get_metric(name: str | Metric) -> Metric:
    if isinstance(name, Metric):
        return name
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(METRICS)}") from None
