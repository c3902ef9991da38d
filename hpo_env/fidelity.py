"""Cheaper, partial evaluations: the fidelity of one evaluation, its learning curve, its cost.

An evaluation at full fidelity is what the env has always made. A multi-fidelity agent
asks for less, per episode, through ``env.reset(options=...)``:

- ``{"fidelity": {"rounds": r, "data": d}}`` trains ``r`` of the configuration's boosting
  rounds (a fraction of its ``n_estimators``) on a fraction ``d`` of the training rows;
- ``{"report": fn}`` records the validation score at :data:`CURVE_STEPS` evenly spaced
  points of the boosting rounds and calls ``fn(step, score)`` at each; ``fn`` returning
  True stops the training there (a pruned evaluation, as Optuna's pruners do).

The record of a partial evaluation says so (``fidelity``, ``pruned``, ``cost``, ``curve``),
and only a full, unpruned evaluation can be the incumbent: a low-fidelity winner is never
the configuration a run reports. An agent that asks for nothing gets records without
these keys, exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CURVE_STEPS",
    "PARTIAL_KEYS",
    "RUNG_STEPS",
    "Fidelity",
    "FidelityRun",
    "Reporter",
    "curve_rounds",
    "full_evals",
    "is_full",
    "nested_rows",
    "record_cost",
]

#: Points of the learning curve, evenly spaced over the boosting rounds: 27 = 3^3, so
#: Hyperband with reduction factor 3 has its rungs at 1/27, 1/9, 1/3 and all rounds.
CURVE_STEPS = 27

#: The curve steps at Hyperband's rungs (reduction factor 3): 1/27, 1/9, 1/3 and all
#: rounds. An objective that pays for each point of its curve scores only these.
RUNG_STEPS = tuple(CURVE_STEPS // 3**k for k in (3, 2, 1, 0))

#: A partial evaluation's fields in its record and terminal ``info``; a full one has none of them.
PARTIAL_KEYS = ("fidelity", "pruned", "cost", "curve")

#: ``report(step, score) -> stop``: called at each of the :data:`CURVE_STEPS` points.
Reporter = Callable[[int, float], bool]


@dataclass(frozen=True)
class Fidelity:
    """How much of one evaluation to run.

    Args:
        rounds: fraction of the configuration's boosting rounds (``n_estimators``), in (0, 1].
        data: fraction of the training rows, in (0, 1]. The rows are the first of a fixed
            permutation, so a larger fraction holds every row of a smaller one.
    """

    rounds: float = 1.0
    data: float = 1.0

    def __post_init__(self) -> None:
        for name in ("rounds", "data"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 < float(v) <= 1.0):
                raise ValueError(f"fidelity {name}={v!r}; expected a fraction in (0, 1]")

    @property
    def full(self) -> bool:
        return self.rounds == 1.0 and self.data == 1.0

    @classmethod
    def parse(cls, x: Fidelity | Mapping[str, float] | float | None) -> Fidelity | None:
        """A :class:`Fidelity` from itself, a dict of its fields, or a number (the rounds
        fraction); None for full fidelity."""
        if x is None or isinstance(x, Fidelity):
            f = x
        elif isinstance(x, Mapping):
            unknown = set(x) - {"rounds", "data"}
            if unknown:
                raise ValueError(f"fidelity keys {sorted(unknown)}; expected 'rounds' and/or 'data'")
            f = cls(**{k: float(v) for k, v in x.items()})
        elif isinstance(x, int | float) and not isinstance(x, bool):
            f = cls(rounds=float(x))
        else:
            raise ValueError(f"fidelity={x!r}; expected a fraction, a dict with 'rounds'/'data', or None")
        return None if f is None or f.full else f

    def rounds_of(self, n_rounds: int) -> int:
        """The boosting rounds this fidelity trains of a configuration's ``n_rounds`` (1 at least)."""
        return max(1, math.ceil(self.rounds * n_rounds))

    def to_dict(self) -> dict[str, float]:
        return {"rounds": self.rounds, "data": self.data}


def nested_rows(rows: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """The first ``fraction`` of a fixed permutation (by ``seed``) of ``rows``, in their order:
    a larger fraction holds every row of a smaller one."""
    perm = np.random.default_rng(seed).permutation(len(rows))
    return rows[np.sort(perm[: max(1, math.ceil(fraction * len(rows)))])]


def curve_rounds(n_rounds: int, steps: int = CURVE_STEPS) -> list[int]:
    """The boosting round (1-based) at each curve step ``1..steps`` of a ``n_rounds`` run."""
    return [max(1, math.ceil(s * n_rounds / steps)) for s in range(1, steps + 1)]


@dataclass
class FidelityRun:
    """What one training run was asked for and what it did: filled in by the objective.

    ``curve`` holds ``[step, validation score]`` at each point reached (of the first split
    only, with k-fold CV: later folds run only if the first was not pruned).
    """

    fidelity: Fidelity | None = None
    report: Reporter | None = None
    curve: list[list[float]] = field(default_factory=list)
    pruned: bool = False
    rounds_trained: int = 0
    rounds_full: int = 0

    def fields(self, n_folds: int) -> dict[str, Any]:
        """The record's multi-fidelity fields; empty for a plain full evaluation."""
        out: dict[str, Any] = {}
        if self.fidelity is not None:
            out["fidelity"] = self.fidelity.to_dict()
        if self.pruned:
            out["pruned"] = True
        if self.fidelity is not None or self.pruned:
            data = 1.0 if self.fidelity is None else self.fidelity.data
            out["cost"] = round(self.rounds_trained / max(1, self.rounds_full * n_folds) * data, 6)
        if self.curve:
            out["curve"] = self.curve
        return out


def is_full(record: Mapping[str, Any]) -> bool:
    """Whether a history record is a full evaluation: full fidelity and not pruned."""
    return record.get("fidelity") is None and not record.get("pruned")


def record_cost(record: Mapping[str, Any]) -> float:
    """A record's cost in full-evaluation equivalents (1 for a full evaluation)."""
    return float(record.get("cost", 1.0))


def full_evals(records: Iterable[Mapping[str, Any]]) -> float:
    """Full-evaluation equivalents spent by ``records``."""
    return float(sum(record_cost(r) for r in records))
