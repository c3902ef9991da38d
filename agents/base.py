"""The agent protocol every optimiser follows, and the record of one run.

An agent only talks to the env: actions in, rewards and ``info`` out. It runs until the
env has done ``budget`` real evaluations. Everything in a :class:`RunResult` is read
back from the env's history, so no agent can report a score it did not earn.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from hpo_env.env import HPOEnv, TimeBudgetSpent, step_through
from hpo_env.fidelity import full_evals, is_full
from hpo_env.history import rescore

__all__ = ["Agent", "RunResult", "by_metric", "max_episodes", "play_episode", "run_agent", "summarize", "task_spec"]


#: Episodes an agent may play per real evaluation of its budget before it is stopped as stalled.
EPISODES_PER_EVAL = 50


def max_episodes(budget: int) -> int:
    """Episodes an agent may play for ``budget`` real evaluations before it is stopped as stalled.

    Repeats are answered from the cache for free, so an agent that keeps proposing known
    configurations would otherwise never spend its budget.
    """
    return EPISODES_PER_EVAL * int(budget)


@dataclass
class RunResult:
    """One (agent, task, seed) run, the unit of the benchmark's JSONL results.

    ``wall_s`` and the trajectory's times are the env's clock: real seconds, or in fast mode
    the simulated seconds of the training the surrogate stands for plus the agent's own time.
    ``trajectory`` holds ``[n_real_evals, wall_s, best_val_so_far, test_of_best_so_far]``
    after each real evaluation, so any smaller budget can be read off a run; failed
    evaluations do not improve the best (both are None before the first success).
    Results written before the fourth entry existed have three.
    """

    agent: str
    task: str
    seed: int
    budget: int
    best_val: float | None
    test_of_best: float | None
    best_config: dict[str, Any] | None
    n_real_evals: int
    wall_s: float
    trajectory: list[list[Any]]
    n_episodes: int = 0
    n_failed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: Seconds the evaluations themselves took (their records' ``seconds``, simulated in fast
    #: mode), so ``(wall_s - eval_s) / n_real_evals`` is the agent's own time per evaluation.
    #: None in results written before it was recorded.
    eval_s: float | None = None
    #: Full-evaluation equivalents spent (:func:`hpo_env.fidelity.full_evals`): ``n_real_evals``
    #: for an agent that makes only full evaluations, less for a multi-fidelity one.
    full_evals: float | None = None
    #: The wall-clock budget in seconds the run was stopped at (``run_agent(time_budget=...)``), if any.
    time_budget: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Agent(abc.ABC):
    """An optimiser that drives an :class:`HPOEnv` until ``budget`` real evaluations are done.

    Subclasses implement :meth:`optimize`. ``env_overrides`` are env arguments the agent
    needs (e.g. ``{"order": "shuffle"}`` for the order ablation); the runner applies them.
    ``requires`` names the optional modules it imports (see :mod:`hpo_env.optional`), so a
    benchmark can refuse it before any run starts when one is not installed;
    ``multi_fidelity`` marks one that needs partial evaluations.
    """

    name: ClassVar[str] = "agent"
    env_overrides: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[str, ...]] = ()
    #: Whether it makes partial evaluations (:mod:`hpo_env.fidelity`): it then needs an env
    #: whose objective takes them (``HPO-XGB-v0``), and may make more evaluations than its
    #: budget of full-evaluation equivalents.
    multi_fidelity: ClassVar[bool] = False

    @abc.abstractmethod
    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        """Spend up to ``budget`` real evaluations of ``env``; may return extra fields for the result."""

    def describe(self) -> dict[str, Any]:
        return {"agent": self.name}

    def extra_so_far(self) -> dict[str, Any]:
        """What :meth:`optimize` would return, for a run its time budget stopped mid-way
        (``run_agent(time_budget=...)``); an agent that knows it early keeps it here."""
        return {}


def play_episode(
    env: gym.Env, actions: Sequence[float] | np.ndarray, options: dict[str, Any] | None = None
) -> tuple[float, dict[str, Any]]:
    """Play one episode with ``actions`` given in search-space order; return the reward and terminal info.

    The env may ask for hyperparameters in any order (``order="shuffle"``) and skips the
    inactive ones of a conditional space; each step is answered with the action of the
    hyperparameter the env asks for. ``options`` go to ``reset`` (a partial evaluation:
    :mod:`hpo_env.fidelity`).
    """
    env.reset(options=options)
    return step_through(env, actions)


def run_agent(
    agent: Agent, env: HPOEnv, budget: int, seed: int, task: str | None = None, time_budget: float | None = None
) -> RunResult:
    """Run ``agent`` on ``env`` and build its :class:`RunResult` from the env's history.

    ``budget`` counts full-evaluation equivalents (:mod:`hpo_env.fidelity`): no evaluation may
    start once they are spent. With ``time_budget`` (seconds on the env's clock) the run also
    stops at the first evaluation asked for after it, whatever the agent.
    """
    if int(budget) < 1:
        raise ValueError(f"budget={budget!r}; expected a number of real evaluations >= 1")
    if time_budget is not None and not time_budget > 0:
        raise ValueError(f"time_budget={time_budget!r}; expected seconds > 0 or None")
    base = env.unwrapped
    start = base.n_real_evals
    episodes0 = base.n_episodes
    clock0 = base.elapsed()
    base.stop_at = None if time_budget is None else clock0 + float(time_budget)
    try:
        extra = agent.optimize(env, int(budget), int(seed)) or {}
    except TimeBudgetSpent:
        extra = {**agent.extra_so_far(), "stopped_by": "time_budget"}
    finally:
        base.stop_at = None
    # The env's clock, as in the trajectory: real seconds, or in fast mode the simulated ones.
    wall = base.elapsed() - clock0
    records = base.history.records[start:]
    if records and full_evals(records[:-1]) >= budget:
        raise RuntimeError(
            f"agent {agent.name!r} spent {full_evals(records):g} real evaluations, over its budget {budget}"
        )
    seen = summarize(records, clock0)
    return RunResult(
        agent=agent.name,
        task=task if task is not None else getattr(getattr(base.objective, "task", None), "name", "?"),
        seed=int(seed),
        budget=int(budget),
        best_val=seen["best_val"],
        test_of_best=seen["test_of_best"],
        best_config=seen["best_config"],
        n_real_evals=len(records),
        wall_s=wall,
        trajectory=seen["trajectory"],
        n_episodes=base.n_episodes - episodes0,
        n_failed=seen["n_failed"],
        extra=extra,
        eval_s=seen["eval_s"],
        full_evals=seen["full_evals"],
        time_budget=time_budget,
    )


def summarize(records: list[dict[str, Any]], clock0: float = 0.0) -> dict[str, Any]:
    """What a run's history records show: the incumbent (the first best full evaluation; a
    failed one never improves it), the counts, and the trajectory (:class:`RunResult`) with
    times from ``clock0`` on the env's clock. One reading for :func:`run_agent` and a session."""
    best, traj, n_failed = None, [], 0
    for i, r in enumerate(records, 1):
        n_failed += r["error"] is not None
        if r["error"] is None and is_full(r) and (best is None or r["val_score"] > best["val_score"]):
            best = r
        val, test = (None, None) if best is None else (best["val_score"], best["test_score"])
        traj.append([i, round(r["wall_s"] - clock0, 4), val, test])
    return {
        "best_val": None if best is None else best["val_score"],
        "test_of_best": None if best is None else best["test_score"],
        "best_config": None if best is None else best["config"],
        "n_real_evals": len(records),
        "n_failed": n_failed,
        "n_pruned": sum(bool(r.get("pruned")) for r in records),
        "eval_s": round(float(sum(r["seconds"] for r in records)), 4),
        "full_evals": round(full_evals(records), 6),
        "trajectory": traj,
    }


def by_metric(records: list[dict[str, Any]], clock0: float = 0.0) -> dict[str, list[list[Any]]]:
    """The run's trajectory under every metric its records were scored by (their ``scores``,
    :func:`~hpo_env.history.rescore`), each kept only where the best changes: ``{metric:
    [[n_real_evals, wall_s, best_val, test_of_best], ...]}``, which reads as the full one
    at any budget or time. Empty when the records hold no scores."""
    names = next((list(r["scores"]) for r in records if "scores" in r), [])
    if not all("scores" in r for r in records if r["error"] is None and is_full(r)):
        return {}
    out = {}
    for m in names:
        rows = summarize(rescore(records, m), clock0)["trajectory"]
        out[m] = [row for i, row in enumerate(rows) if i == 0 or row[2:] != rows[i - 1][2:]]
    return out


def task_spec(env: HPOEnv) -> str | None:
    """The task spec an env was built for (a fast-mode table's task, or the real task's name)."""
    obj = env.objective
    table = getattr(obj, "table", None)
    if table is not None:
        return table.task
    task = getattr(obj, "task", None)
    return getattr(task, "name", None)
