"""The benchmark runner: every (agent, task, seed) run, in parallel processes or on Ray, appended to JSONL.

A finished run is appended as one JSON line the moment it ends, so an interrupted
benchmark loses only the runs in flight; rerunning with the same ``out`` skips the runs
already there.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.speed import speed_probe
from hpo_env.history import append_jsonl, read_jsonl
from hpo_env.optional import require

__all__ = ["RESULT_KEYS", "check_agents", "check_tasks", "run_matrix", "run_one"]

#: Keys every result line has (more may follow).
RESULT_KEYS = (
    "agent", "task", "seed", "budget", "best_val", "test_of_best", "best_config",
    "n_real_evals", "wall_s", "trajectory",
)  # fmt: skip


def run_one(
    agent: str,
    task: str,
    seed: int,
    budget: int,
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict | None = None,
    agent_kwargs: dict | None = None,
    time_budget: float | None = None,
    probe: bool = False,
) -> dict[str, Any]:
    """One run in this process: build the env (nthread=1), run the agent in a session in memory
    (:class:`~agents.session.Session`), return its result, which is the line: the shape of a
    run directory's ``result.json``. ``time_budget`` stops the run at that many seconds on the
    env's clock.
    ``probe`` first measures the machine's speed (:func:`benchmarks.speed.speed_probe`) into
    the line's ``speed_probe_s``."""
    import gymnasium as gym
    import torch as th

    import hpo_env  # noqa: F401 - registers the envs
    from agents.registry import make_agent
    from agents.session import Session

    th.set_num_threads(1)
    speed = speed_probe() if probe else None
    a = make_agent(agent, **(agent_kwargs or {}))
    kw = {"nthread": 1, **(env_kwargs or {}), **a.env_overrides, "task": task, "seed": seed}
    env = gym.make(env_id, **kw)
    try:
        res = Session(a, env.unwrapped, budget, seed, None, task=task, time_budget=time_budget).run()
    finally:
        env.close()
    res["env"] = env_id
    if speed is not None:
        res["speed_probe_s"] = speed
    return res


def check_agents(agents: list[str], agent_kwargs: dict[str, dict[str, Any]], backend: str = "process") -> list[Any]:
    """Refuse, before any run starts, an unknown agent or setting, an agent whose optional
    dependencies are not installed, or a backend that cannot run (one clear error, not one
    per run). Returns the agents, built."""
    from agents.parallel import check_backend
    from agents.registry import make_agent

    check_backend(backend)
    built = [make_agent(name, **agent_kwargs.get(name, {})) for name in agents]
    for name, agent in zip(agents, built, strict=True):
        require(f"agent {name!r}", *agent.requires)
    return built


def check_tasks(
    tasks: list[str],
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict[str, Any] | None = None,
    multi_fidelity: list[str] | None = None,
) -> None:
    """Build each task's env once, before any run starts, so that an unknown task, a missing
    file or column, a missing extra, or an agent's env setting that the task cannot take
    (the prior's meta-features on a regression task) stops the benchmark with one line
    naming the task. ``multi_fidelity`` names agents that make partial evaluations, which
    the env must then take (fast mode does not)."""
    import gymnasium as gym

    import hpo_env  # noqa: F401 - registers the envs

    for task in tasks:
        try:
            env = gym.make(env_id, **{"nthread": 1, **(env_kwargs or {}), "task": task})
        except (ValueError, FileNotFoundError, KeyError) as e:
            raise ValueError(f"task {task!r} cannot run on {env_id}: {e}") from None
        ok = env.unwrapped.objective.supports_fidelity
        env.close()
        if multi_fidelity and not ok:
            raise ValueError(f"agents {multi_fidelity} make partial evaluations, which {env_id} does not take; "
                             "use HPO-XGB-v0")  # fmt: skip


def _key(r: dict[str, Any]) -> tuple:
    return (r["agent"], r["task"], int(r["seed"]), int(r["budget"]), r.get("env", "HPO-XGB-v0"), r.get("time_budget"))


def _safe_run(args: tuple) -> tuple[tuple, dict[str, Any] | None, str | None]:
    try:
        return args, run_one(*args), None
    except Exception:  # a crashed run is reported, and the others go on
        return args, None, traceback.format_exc()


def run_matrix(
    tasks: Iterable[str],
    agents: Iterable[str],
    seeds: Iterable[int],
    budget: int,
    out: str | os.PathLike[str],
    jobs: int = 1,
    env_id: str = "HPO-XGB-v0",
    env_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
    backend: str = "process",
    address: str | None = None,
    agent_kwargs: dict[str, dict[str, Any]] | None = None,
    time_budget: float | None = None,
    probe: bool | None = None,
) -> dict[str, Any]:
    """Run the matrix, skipping runs already in ``out``; returns counts and any crashed runs.

    Runs go to ``jobs`` spawned worker processes (``backend="process"``), or are Ray
    tasks of one CPU each (``backend="ray"``: a local Ray with ``jobs`` CPUs, or the
    cluster at ``address``). Either way each run uses one torch and one XGBoost thread,
    and the results file is the same. ``agent_kwargs`` maps an agent name to settings
    for it (e.g. ``{"rppo-prior": {"prior": DIR}}``); they are not part of a run's key,
    so results of other settings belong in another ``out``. ``time_budget`` stops every
    run at the same wall-clock seconds (``budget`` then caps the evaluations; make it large).
    ``probe`` (default: with a ``time_budget``) records the machine's speed just before each
    run, so that runs made at different speeds can be told apart (:mod:`benchmarks.speed`).
    """
    from agents.parallel import imap_unordered

    agents, tasks, seeds = list(agents), list(tasks), [int(s) for s in seeds]
    agent_kwargs = agent_kwargs or {}
    if int(budget) < 1 or int(jobs) < 1:
        raise ValueError(f"budget={budget!r} and jobs={jobs!r} must be >= 1")
    if time_budget is not None and not time_budget > 0:
        raise ValueError(f"time_budget={time_budget!r}; expected seconds > 0")
    built = check_agents(agents, agent_kwargs, backend)
    out = Path(out)
    probe = time_budget is not None if probe is None else bool(probe)
    done = {_key(r) for r in read_jsonl(out)} if out.exists() else set()
    todo = [
        (a, t, s, int(budget), env_id, env_kwargs or {}, agent_kwargs.get(a, {}), time_budget, probe)
        for t in tasks
        for s in seeds
        for a in agents
        if (a, t, s, int(budget), env_id, time_budget) not in done
    ]
    # Each distinct env setting the agents need (the prior's meta-features), on every task.
    for extra in sorted({tuple(sorted(a.env_overrides.items())) for a in built}):
        mf = [a.name for a in built if a.multi_fidelity and tuple(sorted(a.env_overrides.items())) == extra]
        check_tasks(list(dict.fromkeys(x[1] for x in todo)), env_id, {**(env_kwargs or {}), **dict(extra)}, mf)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = len(agents) * len(tasks) * len(seeds)
        bar = tqdm(total=total, initial=total - len(todo), desc="runs", unit="run")
    failed: list[dict[str, Any]] = []

    def record(args: tuple, res: dict | None, err: str | None) -> None:
        if res is not None:
            append_jsonl(out, res)
        else:
            failed.append({"agent": args[0], "task": args[1], "seed": args[2], "error": err})
        if bar is not None:
            bar.update(1)
            if res is not None:
                bar.set_postfix_str(f"{res['agent']} {res['task']} s{res['seed']}: {res['best_val']}")

    for args, res, err in imap_unordered(_safe_run, todo, int(jobs), backend, address):
        record(args, res, err)
    if bar is not None:
        bar.close()
    return {"skipped": len(done), "ran": len(todo) - len(failed), "failed": failed, "out": str(out)}
