"""An adaptive portfolio: the greedy portfolio's criterion, re-weighted by what the task measured.

The greedy portfolio (:mod:`agents.transfer.portfolio`) adds the configuration that most raises
the mean over training tables of the best percentile reached so far; every table weighs
alike, whatever the task at hand. Here the tables are weighted by how well each one ranks
the configurations the task has measured, as RGPE does (Feurer, Letham & Bakshy, 2018: the
weight of a base model is the share of bootstrap samples of the observations in which its
ranking loss is the lowest). With no observation the weights are uniform and the first
proposal is the portfolio's; after a few, the tables that order this task's scores best
decide what to try next.

A **pool** is a sample of the candidates a portfolio is chosen from, with their predicted
percentiles on every training table: ``build_portfolio`` writes one beside each portfolio
(``<portfolio>.pool.npz``), so tuning needs no surrogate at all.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ADAPTIVE_K", "POOL_SIZE", "AdaptivePortfolio", "TransferPool", "pool_path", "rgpe_weights", "weighted_gain"]

#: Candidates kept in a pool, besides the portfolio's own: sampled uniformly from every
#: measured configuration of the training tables.
POOL_SIZE = 4000
#: Configurations the adaptive portfolio proposes before TPE takes over (``adaptive-portfolio-tpe``).
#: Chosen on the development fold (``benchmarks/results/transfer_dev``): 10, 25 and 100 were run.
ADAPTIVE_K = 25
#: Bootstrap samples of the observations behind each set of table weights.
RGPE_SAMPLES = 64


def pool_path(portfolio: str | os.PathLike[str]) -> Path:
    """Where the pool of the portfolio file ``portfolio`` is: beside it, ``<stem>.pool.npz``."""
    p = Path(portfolio)
    return p.with_name(f"{p.stem}.pool.npz")


def weighted_gain(percentiles: np.ndarray, best: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Each candidate's weighted gain over ``best``: the sum over tables of ``weights`` times
    how far its percentile rises above the best reached on that table (uniform weights for None).

    With uniform weights, the candidate that maximizes it is the one the greedy portfolio adds
    (but for rounding in near-ties)."""
    w = np.full(percentiles.shape[1], 1.0 / percentiles.shape[1]) if weights is None else weights
    return np.maximum(percentiles - best, 0.0) @ w


def rgpe_weights(
    percentiles: np.ndarray, scores: np.ndarray, rng: np.random.Generator, samples: int = RGPE_SAMPLES
) -> np.ndarray:
    """RGPE's weights of the tables (columns of ``percentiles``, one row per measured
    configuration) given the task's ``scores``: the share of ``samples`` bootstrap samples of
    the rows in which the table's ranking loss (pairs it orders against the scores) is the
    lowest, ties shared. Uniform with fewer than 2 measured configurations."""
    n, t = percentiles.shape
    if n < 2:
        return np.full(t, 1.0 / t)
    y = np.asarray(scores)
    wrong = (percentiles[:, None, :] < percentiles[None, :, :]) != (y[:, None] < y[None, :])[..., None]  # (n, n, t)
    idx = rng.integers(0, n, (samples, n))
    counts = (idx[:, :, None] == np.arange(n)).sum(axis=1).astype(np.float64)  # (s, n): each row's draws
    # A sample's loss counts every pair of its draws: sum over a, b of c_a * c_b * wrong[a, b].
    loss = ((counts @ wrong.reshape(n, -1)).reshape(samples, n, t) * counts[:, :, None]).sum(axis=1)  # (s, t)
    lowest = loss == loss.min(axis=1, keepdims=True)
    return (lowest / lowest.sum(axis=1, keepdims=True)).mean(axis=0)


@dataclass
class TransferPool:
    """Candidate configurations (as actions, ``(n, d)``) and their predicted percentile on each
    training table (``(n, tables)``); the first rows are the portfolio's, in its order."""

    actions: np.ndarray
    percentiles: np.ndarray
    tasks: list[str]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the pool as a compressed ``.npz`` (percentiles as float16: 1/2048 resolution)."""
        tmp = Path(f"{path}.tmp.npz")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(tmp, actions=self.actions.astype(np.float32), tasks=json.dumps(self.tasks),
                            percentiles=self.percentiles.astype(np.float16))  # fmt: skip
        os.replace(tmp, path)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TransferPool:
        with np.load(path) as z:
            return cls(z["actions"], z["percentiles"].astype(np.float64), json.loads(str(z["tasks"])))


class AdaptivePortfolio:
    """Proposes pool members one at a time: the one with the largest :func:`weighted_gain`
    under the :func:`rgpe_weights` of what was measured so far; None once no member gains
    on the tables that matter (then another optimizer should take over).

    Args:
        pool: the :class:`TransferPool` to propose from.
        seed: seeds the bootstrap of the weights.
    """

    def __init__(self, pool: TransferPool, seed: int = 0) -> None:
        self.pool = pool
        self.rng = np.random.default_rng(seed)
        self.rows: list[int] = []
        self.scores: list[float] = []

    def ask(self) -> int | None:
        """The pool row to evaluate next, or None."""
        pct = self.pool.percentiles
        seen = pct[self.rows]
        w = rgpe_weights(seen, np.asarray(self.scores), self.rng)
        gain = weighted_gain(pct, seen.max(axis=0) if self.rows else np.zeros(pct.shape[1]), w)
        gain[self.rows] = -np.inf
        i = int(np.argmax(gain))
        return i if gain[i] > 0 else None

    def tell(self, row: int, score: float) -> None:
        """Record that pool row ``row`` scored ``score`` on the task."""
        self.rows.append(int(row))
        self.scores.append(float(score))

    def describe(self) -> dict[str, Any]:
        return {"pool_rows": len(self.pool.actions), "tables": len(self.pool.tasks)}
