"""What one evaluation returns, and the interface every objective (XGBoost, CNN, synthetic) implements."""

from __future__ import annotations

import abc
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo_env.fidelity import PARTIAL_KEYS
from hpo_env.spaces import SearchSpace

if TYPE_CHECKING:
    from hpo_env.fidelity import FidelityRun
    from hpo_env.tasks import Split, Task

__all__ = ["Deadline", "Evaluation", "FunctionObjective", "Objective", "SplitObjective", "TimedOut"]


@dataclass
class Evaluation:
    """The record of one real evaluation.

    ``val_score`` is the reward. ``test_score`` is for the record only and is never shown
    to an agent by this package's own agents. A failed or timed-out evaluation carries the
    objective's ``failure_score`` as ``val_score`` and a message in ``error``.

    A partial evaluation (:mod:`hpo_env.fidelity`) also has ``fidelity`` (what was asked
    for), ``pruned`` (its reporter stopped it), ``cost`` (full-evaluation equivalents) and
    ``curve`` (``[step, val_score]`` points). ``to_dict`` leaves them out while they are
    unset, so a full evaluation's record is what it always was.

    ``scores`` holds, for an objective that scores predictions on a task
    (:class:`SplitObjective`), every metric of the task's kind from the same fits:
    ``{name: [val, test]}`` (None where a metric cannot be computed), so one run can be read
    under any metric (:func:`hpo_env.history.rescore`).
    """

    val_score: float
    test_score: float | None = None
    seconds: float = 0.0
    error: str | None = None
    timed_out: bool = False
    fidelity: dict[str, float] | None = None
    pruned: bool = False
    cost: float | None = None
    curve: list[list[float]] | None = None
    scores: dict[str, list[float | None]] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in (*PARTIAL_KEYS, "scores"):
            if not d[k]:
                del d[k]
        return d


class Objective(abc.ABC):
    """Trains and scores one configuration. Subclasses set ``space`` and ``failure_score``.

    ``evaluate`` may raise or return NaN: the env turns either into a failure record
    with ``failure_score`` as the reward, so an objective need not guard itself.

    A ``simulated`` objective (the fast-mode surrogate and table) reports in
    ``Evaluation.seconds`` what the real training would have taken; the env's clock
    then advances by that instead of by the microseconds the lookup took, so anytime
    curves over time mean the same in fast mode as in real mode.
    """

    space: SearchSpace
    failure_score: float = 0.0
    simulated: bool = False
    #: Whether ``evaluate`` takes a ``run`` (:class:`~hpo_env.fidelity.FidelityRun`): a
    #: partial evaluation or a learning curve. The env refuses them for other objectives.
    supports_fidelity: bool = False

    def reward(self, score: float) -> float:
        """The env's reward for a validation score: the score itself unless the objective
        bounds it (a regression metric, :mod:`hpo_env.metrics`)."""
        return float(score)

    @abc.abstractmethod
    def evaluate(self, config: Mapping[str, Any]) -> Evaluation:
        """Train with ``config`` and return its scores."""

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable settings, reported in every run's output."""
        return {"objective": type(self).__name__}

    def failure(self, error: str, seconds: float = 0.0, timed_out: bool = False, **partial: Any) -> Evaluation:
        """The record of a failed evaluation: the failure score as ``val_score``, ``error`` as
        the reason; ``partial`` are a partial evaluation's fields (:class:`Evaluation`)."""
        return Evaluation(self.failure_score, None, seconds, error, timed_out, **partial)


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


class TimedOut(Exception):
    """Raised by a model's training loop when its evaluation passed the time limit."""


class Deadline:
    """A wall-clock limit shared by all folds of one evaluation; ``None`` seconds means no limit."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.perf_counter() + seconds

    def passed(self) -> bool:
        return self.at is not None and time.perf_counter() > self.at

    def check(self) -> None:
        if self.passed():
            raise TimedOut


class SplitObjective(Objective):
    """An objective that trains on each train split of a :class:`Task` and scores valid and test.

    Subclasses implement :meth:`fit_predict`. This class owns what every such objective
    shares: the loop over splits (one, or k CV folds), averaging validation scores,
    scoring the test rows with the mean of the fold models' probabilities, the time
    limit, and the failure score of the task's metric.
    """

    def __init__(self, task: Task, space: SearchSpace, time_limit: float | None, seed: int) -> None:
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit={time_limit!r}; expected seconds > 0 or None")
        self.task = task
        self.space = space
        self.time_limit = time_limit
        self.seed = int(seed)
        self.failure_score = task.metric.failure_score(task.n_classes, task.scale)

    def reward(self, score: float) -> float:
        """The metric's bounded reward of a score (the score itself for classification)."""
        return self.task.metric.reward(score, self.task.scale)

    @abc.abstractmethod
    def fit_predict(
        self, config: Mapping[str, Any], fold: int, split: Split, deadline: Deadline, run: FidelityRun | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Train on ``split.train``; predictions for ``split.valid`` and for the test rows (class
        probabilities (n, k) for classification, values (n,) for regression).

        Call ``deadline.check()`` (or raise :class:`TimedOut`) where training can stop. An
        objective with ``supports_fidelity`` honours ``run`` (its fidelity, its curve and
        reporter, which stop training by setting ``run.pruned``); the others never get one.
        """

    def evaluate(self, config: Mapping[str, Any], run: FidelityRun | None = None) -> Evaluation:
        t0 = time.perf_counter()
        deadline = Deadline(self.time_limit)
        task, k, n = self.task, self.task.n_classes, len(self.task.splits)
        val_scores, test_pred, every = [], 0.0, []

        def partial() -> dict[str, Any]:  # read at the end: the run fills in as it trains
            return {} if run is None else run.fields(n)

        try:
            for fold, split in enumerate(task.splits):
                p_valid, p_test = self.fit_predict(config, fold, split, deadline, run)
                if deadline.passed():
                    raise TimedOut
                if run is not None and run.pruned:
                    return Evaluation(run.curve[-1][1], None, time.perf_counter() - t0, **partial())
                val_scores.append(task.metric(task.y[split.valid], p_valid, k))
                every.append(all_scores(task.metric.kind, task.y[split.valid], p_valid, k))
                test_pred = test_pred + p_test
        except TimedOut:
            s = time.perf_counter() - t0
            msg = f"timed out after {s:.2f} s (time_limit={self.time_limit} s)"
            return self.failure(msg, s, timed_out=True, **partial())
        test_score = task.metric(task.y[task.test], test_pred / n, k)
        tests = all_scores(task.metric.kind, task.y[task.test], test_pred / n, k)
        scores = {m: [_mean([f[m] for f in every]), tests[m]] for m in tests}
        return Evaluation(float(np.mean(val_scores)), test_score, time.perf_counter() - t0, **partial(), scores=scores)


def all_scores(kind: str, y: np.ndarray, pred: np.ndarray, k: int) -> dict[str, float | None]:
    """Every metric of ``kind`` (:mod:`hpo_env.metrics`) on one set of predictions; None
    where one cannot be computed (ROC AUC with a single class present, say)."""
    from hpo_env.metrics import METRICS

    out: dict[str, float | None] = {}
    for name, metric in METRICS.items():
        if metric.kind == kind:
            try:
                v = metric(y, pred, k)
            except ValueError:
                v = math.nan
            out[name] = v if math.isfinite(v) else None
    return out


def _mean(xs: list[float | None]) -> float | None:
    return None if any(x is None for x in xs) else float(np.mean(xs))


def is_bad_score(x: float | None) -> bool:
    return x is None or not math.isfinite(x)
