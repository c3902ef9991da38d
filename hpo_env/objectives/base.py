"""What one evaluation returns, and the interface every objective (XGBoost, CNN, synthetic) implements."""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hpo_env.spaces import SearchSpace

__all__ = ["Evaluation", "FunctionObjective", "Objective"]


@dataclass
class Evaluation:
    """The record of one real evaluation.

    ``val_score`` is the reward. ``test_score`` is for the record only and is never shown
    to an agent by this package's own agents. A failed or timed-out evaluation carries the
    objective's ``failure_score`` as ``val_score`` and a message in ``error``.
    """

    val_score: float
    test_score: float | None = None
    seconds: float = 0.0
    error: str | None = None
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Objective(abc.ABC):
    """Trains and scores one configuration. Subclasses set ``space`` and ``failure_score``.

    ``evaluate`` may raise or return NaN: the env turns either into a failure record
    with ``failure_score`` as the reward, so an objective need not guard itself.
    """

    space: SearchSpace
    failure_score: float = 0.0

    @abc.abstractmethod
    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        """Train with ``config`` and return its scores."""

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable settings, reported in every run's output."""
        return {"objective": type(self).__name__}

    def failure(self, error: str, seconds: float = 0.0, timed_out: bool = False) -> Evaluation:
        return Evaluation(self.failure_score, None, seconds, error, timed_out)


class FunctionObjective(Objective):
    """A plain function of the configuration as the objective: for synthetic tasks and tests.

    Args:
        fn: maps a configuration dict to a score (higher is better), or to a
            ``(val_score, test_score)`` pair.
        space: the search space the env walks through.
        failure_score: reward of a call that raises or returns NaN.
    """

    def __init__(
        self,
        fn: Callable[[dict[str, Any]], float | tuple[float, float]],
        space: SearchSpace,
        failure_score: float = 0.0,
    ) -> None:
        self.fn = fn
        self.space = space
        self.failure_score = failure_score

    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        out = self.fn(dict(config))
        val, test = out if isinstance(out, tuple) else (out, None)
        return Evaluation(float(val), None if test is None else float(test))

    def describe(self) -> dict[str, Any]:
        return {"objective": "function", "fn": getattr(self.fn, "__name__", repr(self.fn))}


def is_bad_score(x: float | None) -> bool:
    return x is None or not math.isfinite(x)
