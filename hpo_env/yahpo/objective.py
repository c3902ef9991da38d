"""A YAHPO surrogate as the env's objective, its search space, and the two envs.

Each evaluation is one prediction of the surrogate at full fidelity (``trainsize`` 1 and
``repl`` 10 for ``rbv2_xgboost``, epoch 52 for ``lcbench``); its record keeps every metric
of :data:`YAHPO_METRICS` read off that one prediction (``scores``). A multi-fidelity agent
gets partial evaluations at a fraction of the scenario's fidelity
(:meth:`YahpoObjective.evaluate`). The env's clock advances by the predicted training time,
as in fast mode, so time budgets mean the same as on real runs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpo_env.env import HPOEnv
from hpo_env.fidelity import CURVE_STEPS, RUNG_STEPS, FidelityRun
from hpo_env.objectives.base import Evaluation, Objective
from hpo_env.spaces import Categorical, Float, Hyperparameter, Int, SearchSpace
from hpo_env.yahpo.surrogate import YahpoSurrogate

__all__ = [
    "YAHPO_ENVS",
    "YAHPO_METRICS",
    "YahpoMetric",
    "YahpoObjective",
    "impossible",
    "make_lcbench_env",
    "make_yahpo_env",
    "yahpo_space",
]


@dataclass(frozen=True)
class YahpoMetric:
    """A validation score read off the surrogate's targets; higher is better.

    A loss is scored negated (``-logloss``, as the env's ``neg_log_loss``), and its reward is
    ``exp(score)``, in (0, 1]: for log-loss, the geometric mean probability of the true class.
    Other scores are their own reward.

    Attributes:
        val: the target scored. test: its test counterpart, if the scenario predicts one.
        loss: lower is better. scale: the target's unit (lcbench's accuracy is in percent).
    """

    val: str
    test: str | None = None
    loss: bool = False
    scale: float = 1.0

    def score(self, y: Mapping[str, float], target: str) -> float:
        v = y[target] / self.scale
        return -v if self.loss else v

    def reward(self, score: float) -> float:
        return math.exp(score) if self.loss else float(score)

    @property
    def failure_score(self) -> float:
        return -10.0 if self.loss else 0.0


#: scenario -> metric name -> how it is read. The first of each is the default.
YAHPO_METRICS: dict[str, dict[str, YahpoMetric]] = {
    "rbv2_xgboost": {
        "logloss": YahpoMetric("logloss", loss=True),
        "acc": YahpoMetric("acc"),
        "bac": YahpoMetric("bac"),
        "auc": YahpoMetric("auc"),
        "f1": YahpoMetric("f1"),
        "brier": YahpoMetric("brier", loss=True),
    },
    "lcbench": {
        "cross_entropy": YahpoMetric("val_cross_entropy", "test_cross_entropy", loss=True),
        "balanced_accuracy": YahpoMetric("val_balanced_accuracy", "test_balanced_accuracy"),
        "accuracy": YahpoMetric("val_accuracy", scale=100.0),
    },
}


def _scores(m: YahpoMetric, y: Mapping[str, float]) -> list[float | None]:
    """``[val, test]`` of one metric from one prediction (test None where none is predicted)."""
    return [m.score(y, m.val), None if m.test is None else m.score(y, m.test)]


def _hyperparameter(spec: Mapping[str, Any]) -> Hyperparameter:
    kind, name = spec["type"], spec["name"]
    if kind == "categorical":
        return Categorical(name, tuple(spec["choices"]))
    if kind in ("uniform_float", "uniform_int"):
        cls = Float if kind == "uniform_float" else Int
        return cls(name, spec["lower"], spec["upper"], log=bool(spec.get("log")))
    raise ValueError(f"hyperparameter {name!r} of ConfigSpace type {kind!r}; expected categorical or uniform")


def yahpo_space(surrogate: YahpoSurrogate) -> SearchSpace:
    """The space tuned: the scenario's ConfigSpace without the task and the fixed fidelities,
    its conditions kept, each parent moved before everything else (``booster`` first)."""
    cs, sc = surrogate.config_space, surrogate.scenario
    skip = {sc.instance, *sc.fixed}
    conditions = {c["child"]: (c["parent"], c["values"] if c["type"] == "IN" else [c["value"]])
                  for c in cs["conditions"]}  # fmt: skip
    parents = {p for p, _ in conditions.values()}
    specs = [h for h in cs["hyperparameters"] if h["name"] not in skip]
    specs.sort(key=lambda h: h["name"] not in parents)  # stable: otherwise the file's order
    return SearchSpace([_hyperparameter(h) for h in specs], conditions)


#: What a failed evaluation's ``error`` says when the surrogate's targets contradict each other.
IMPOSSIBLE = "the surrogate predicts log-loss near 0 with a Brier score above 0.5 (a failed run in YAHPO's data)"


def impossible(y: Mapping[str, float]) -> bool:
    """Whether ``rbv2_*`` targets contradict each other: log-loss below 0.05 puts more than
    0.95 of the probability on the true class, so the Brier score must be far below 0.5. The
    surrogate predicts such pairs (log-loss ~0, Brier ~2, balanced accuracy ~0, memory ~0) for
    0.8% of random XGBoost configurations on 29 of the 119 tasks, mostly dart: the way failed
    runs are coded in its training data. Taken at face value they would be the best scores of
    their task, and an optimizer (a portfolio learned across tasks first) learns to find them."""
    return "brier" in y and y["logloss"] < 0.05 and y["brier"] > 0.5


@dataclass(frozen=True)
class YahpoTask:
    """The task's name in results (``yahpo:SCENARIO/ID``), as a data set's name is elsewhere."""

    name: str

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}


class YahpoObjective(Objective):
    """One surrogate prediction per evaluation, at full fidelity, on one task.

    Args:
        task: the OpenML id of a task of the scenario (``surrogate.instances``).
        surrogate: the scenario's :class:`~hpo_env.yahpo.YahpoSurrogate`.
        metric: a key of :data:`YAHPO_METRICS` for the scenario (None: its first).
    """

    simulated = True
    supports_fidelity = True

    def __init__(self, task: str | int, surrogate: YahpoSurrogate, metric: str | None = None) -> None:
        sc = surrogate.scenario
        ids = surrogate.instances
        if str(task) not in ids:
            raise ValueError(f"task={task!r} is not a {sc.name} task; expected one of its {len(ids)} OpenML ids, "
                             f"e.g. {list(ids[:5])}")  # fmt: skip
        metrics = YAHPO_METRICS[sc.name]
        metric = next(iter(metrics)) if metric is None else metric
        if metric not in metrics:
            raise ValueError(f"metric={metric!r}; expected one of {list(metrics)} for {sc.name}")
        self.surrogate, self.metric_name, self.metric = surrogate, metric, metrics[metric]
        self.task = YahpoTask(f"yahpo:{sc.name}/{task}")
        self.fixed = {sc.instance: str(task), **sc.fixed}
        self.space = yahpo_space(surrogate)
        self.failure_score = self.metric.failure_score

    def reward(self, score: float) -> float:
        return self.metric.reward(score)

    def evaluate(self, config: Mapping[str, Any], run: FidelityRun | None = None) -> Evaluation:
        """One prediction at full fidelity; with ``run``, at the fraction ``rounds * data`` of
        the scenario's fidelity (``trainsize`` or ``epoch``), and with a reporter, a learning
        curve of predictions at Hyperband's rungs (:data:`~hpo_env.fidelity.RUNG_STEPS`)."""
        fid = None if run is None else run.fidelity
        frac = 1.0 if fid is None else fid.rounds * fid.data
        if run is None or run.report is None:
            y = self._predict(config, frac)
            partial = {} if fid is None else {"fidelity": fid.to_dict(), "cost": self._cost(config, [y])}
            return self._evaluation(y, [y], **partial)
        return self._curve(config, frac, run)

    def _curve(self, config: Mapping[str, Any], frac: float, run: FidelityRun) -> Evaluation:
        """Predictions at each rung until the reporter stops the run (a pruned evaluation)."""
        ys: list[dict[str, float]] = []
        curve: list[list[float]] = []
        fidelity = None if run.fidelity is None else run.fidelity.to_dict()
        for step in RUNG_STEPS:
            ys.append(self._predict(config, frac * step / CURVE_STEPS))
            if impossible(ys[-1]):
                break
            curve.append([step, self.metric.score(ys[-1], self.metric.val)])
            if step < CURVE_STEPS and run.report is not None and run.report(step, curve[-1][1]):
                return Evaluation(curve[-1][1], None, self._seconds(ys), fidelity=fidelity, pruned=True,
                                  cost=self._cost(config, ys), curve=curve)  # fmt: skip
        full = ys[-1] if frac == 1.0 and len(ys) == len(RUNG_STEPS) else None  # the last rung: the full run
        return self._evaluation(ys[-1], ys, fidelity=fidelity, cost=self._cost(config, ys, full), curve=curve)

    def _predict(self, config: Mapping[str, Any], frac: float) -> dict[str, float]:
        """The targets at ``frac`` of the scenario's fidelity (at least its smallest step)."""
        sc, fixed = self.surrogate.scenario, dict(self.fixed)
        if frac < 1.0:
            full = sc.fixed[sc.fidelity]
            fixed[sc.fidelity] = max(1, math.ceil(frac * full)) if isinstance(full, int) else frac * full
        return self.surrogate.predict({**config, **fixed})

    def _seconds(self, ys: list[dict[str, float]]) -> float:
        """The simulated seconds of the predictions' runs: the last one's if each run continues
        the one before (epochs), else the sum of all (each training-set size a new fit)."""
        t = [max(0.0, y[self.surrogate.scenario.runtime]) for y in ys]
        return t[-1] if self.surrogate.scenario.incremental else float(sum(t))

    def _cost(
        self, config: Mapping[str, Any], ys: list[dict[str, float]], full: dict[str, float] | None = None
    ) -> float:
        """Full-evaluation equivalents: the runs' seconds over a full run's (``full``, the
        prediction at full fidelity, when it was made already)."""
        full = self._predict(config, 1.0) if full is None else full
        return round(self._seconds(ys) / max(1e-9, full[self.surrogate.scenario.runtime]), 6)

    def _evaluation(self, y: dict[str, float], ys: list[dict[str, float]], **partial: Any) -> Evaluation:
        """The record of a run that ended with prediction ``y`` (every metric in ``scores``)."""
        if impossible(y):
            return self.failure(IMPOSSIBLE, self._seconds(ys), **partial)
        scores = {name: _scores(m, y) for name, m in YAHPO_METRICS[self.surrogate.scenario.name].items()}
        return Evaluation(*scores[self.metric_name], self._seconds(ys), scores=scores, **partial)

    def describe(self) -> dict[str, Any]:
        return {"objective": "yahpo", "scenario": self.surrogate.scenario.name, "metric": self.metric_name,
                "fixed": self.fixed}  # fmt: skip


def make_yahpo_env(
    task: str | int = "31",
    *,
    scenario: str = "rbv2_xgboost",
    metric: str | None = None,
    yahpo_dir: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    nthread: int = 1,
    order: str | Sequence[str] = "fixed",
    history_path: str | os.PathLike[str] | None = None,
    cache: bool = True,
    meta_features: bool = False,
) -> HPOEnv:
    """Build ``HPO-XGB-YAHPO-v0``: :class:`~hpo_env.env.HPOEnv` over a :class:`YahpoObjective`.

    ## Description
    YAHPO Gym's ``rbv2_xgboost`` surrogate as the paper's MDP: one hyperparameter per step,
    ``booster`` first; the tree parameters are asked only for gbtree and dart, ``rate_drop``
    and ``skip_drop`` only for dart, so an episode has 6 to 14 steps.

    ## Action Space
    ``Box(-1, 1, (1,))``: the value of the hyperparameter asked for, decoded by the space.

    ## Observation Space
    The previous action, then a one-hot of the hyperparameter asked next (the path taken
    shows in which ones are asked).

    ## Rewards
    0 until the last step, then the metric's reward: ``exp(-logloss)`` by default, in (0, 1].
    A prediction whose targets contradict each other (:func:`impossible`) is a failed
    evaluation: the metric's failure score (log-loss 10 for a loss, 0 for a score) and
    ``info["error"]``, as any failure of the env.

    ## Starting State
    Every episode starts at the first hyperparameter; the history persists across episodes.

    ## Episode End
    Once every active hyperparameter is set; the configuration is then evaluated.

    ## Arguments
    - ``task``: an OpenML id of the scenario (119 for ``rbv2_xgboost``).
    - ``scenario``: ``"rbv2_xgboost"`` or ``"lcbench"`` (``HPO-MLP-LCBench-v0``).
    - ``metric``: a key of :data:`YAHPO_METRICS` (default ``logloss``, or ``cross_entropy``).
    - ``yahpo_dir``: the surrogates' folder (:func:`~hpo_env.yahpo.yahpo_dir`); by default
      ``$HPO_ENV_YAHPO_DIR``, else ``yahpo_data`` beside ``data_dir`` (the data sets' folder,
      as ``hpo-rl bench --data-dir`` passes it) or beside ``$HPO_ENV_DATA_DIR``.
    - ``seed``, ``nthread``: accepted for a uniform command line; the surrogate is deterministic.
    - ``meta_features``: refused (no meta-features are known for these tasks yet).
    - partial evaluations (``reset(options={"fidelity": ..., "report": ...})``): at a fraction
      of ``trainsize`` (``rbv2_xgboost``) or ``epoch`` (``lcbench``),
      :meth:`YahpoObjective.evaluate`; the multi-fidelity agents run on both envs.
    - ``order``, ``history_path``, ``cache``: as for :class:`~hpo_env.env.HPOEnv`.

    ## Version History
    - v0: initial version (YAHPO Gym data v1.0.2).
    """
    del seed, nthread
    if meta_features:
        raise ValueError("meta_features=True: the YAHPO envs have no meta-features of their tasks yet")
    if yahpo_dir is None and data_dir is not None and "HPO_ENV_YAHPO_DIR" not in os.environ:
        yahpo_dir = Path(data_dir).parent / "yahpo_data"
    objective = YahpoObjective(task, YahpoSurrogate(scenario, yahpo_dir), metric)
    return HPOEnv(objective, order=order, history_path=history_path, cache=cache)


#: The scenario behind each registered YAHPO env id.
YAHPO_ENVS = {"HPO-XGB-YAHPO-v0": "rbv2_xgboost", "HPO-MLP-LCBench-v0": "lcbench"}


def make_lcbench_env(task: str | int = "3945", **kwargs: Any) -> HPOEnv:
    """Build ``HPO-MLP-LCBench-v0``: :func:`make_yahpo_env` on ``lcbench`` (35 OpenML tasks,
    the epochs fixed at 52); ``metric`` ``cross_entropy`` (default), ``balanced_accuracy``
    or ``accuracy``. Its targets include test scores, so results carry a test of best."""
    return make_yahpo_env(task, scenario="lcbench", **kwargs)
