"""Development runs of an agent variant that no registry name covers: the loops behind the
``run.py`` scripts of ``benchmarks/results/*_dev/`` (:func:`run_variant` one run at a time,
:func:`run_parallel` several at once), and :func:`combine`, which puts runs of several
result files side by side for one ``hpo-rl report``.

Each run's result line (as ``hpo-rl bench`` writes it) gets ``cpu_s``, its wall time on this
machine: in fast mode the evaluations are table look-ups, so that is the agent's own time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["combine", "combine_outside", "finished", "run_parallel", "run_variant"]


def run_variant(
    preset: Any,
    tasks: Sequence[str],
    out: str | Path,
    env_id: str = "HPO-XGB-Surrogate-v0",
    budget: int = 100,
    seeds: int = 3,
) -> None:
    """Run ``preset`` (an :class:`~agents.rppo.presets.RPPOPreset`, or a function of no
    argument that makes the :class:`~agents.base.Agent`) on each task for seeds
    0..``seeds``-1, appending one line per run to ``out``; runs already there are skipped."""
    import gymnasium as gym

    import hpo_env  # noqa: F401 - registers the envs
    from agents.base import run_agent
    from agents.registry import preset_agent

    out = Path(out)
    done = {(task, seed) for _, task, seed in finished(out)}
    with out.open("a") as f:
        for task in tasks:
            for seed in range(seeds):
                if (task, seed) in done:
                    continue
                agent = preset() if callable(preset) else preset_agent(preset)
                env = gym.make(env_id, task=task, seed=seed, **agent.env_overrides)
                t = time.perf_counter()
                r = run_agent(agent, env, budget, seed, task=task).to_dict()
                f.write(json.dumps({**r, "cpu_s": round(time.perf_counter() - t, 3)}) + "\n")
                f.flush()


def finished(out: str | Path) -> set[tuple[str, str, int]]:
    """The (agent, task, seed) of each run in the result file ``out`` (none if it does not exist)."""
    from hpo_env.history import read_jsonl

    return {(d["agent"], d["task"], d["seed"]) for d in read_jsonl(out)} if Path(out).exists() else set()


def run_parallel(one: Callable[..., dict[str, Any]], jobs: Sequence[tuple[Any, ...]], out: str | Path) -> None:
    """``one(*job)`` for each of ``jobs``, two at a time in worker processes (one per core
    here), appending each result line to ``out`` as it comes and printing it in one line.
    Leave out the jobs already done (:func:`finished`): a stopped run resumes."""
    with ProcessPoolExecutor(2) as pool, Path(out).open("a") as f:
        for res in pool.map(one, *zip(*jobs, strict=True)) if jobs else []:
            f.write(json.dumps(res) + "\n")
            f.flush()
            print(res["agent"], res["task"], res["seed"], res["best_val"], flush=True)


def combine(
    out: str | Path, sources: Sequence[tuple[str | Path, Sequence[str] | None]], without_tasks: Sequence[str] = ()
) -> int:
    """Write to ``out`` the result lines of each ``(path, agents)`` of ``sources`` (every agent's
    for None), but those of ``without_tasks``; returns how many lines were written."""
    from hpo_env.history import read_jsonl

    skip = set(without_tasks)
    rows = [d for path, agents in sources for d in read_jsonl(path)
            if (agents is None or d["agent"] in agents) and d["task"] not in skip]  # fmt: skip
    Path(out).write_text("".join(json.dumps(d) + "\n" for d in rows))
    return len(rows)


def combine_outside(sources: Sequence[tuple[str | Path, Sequence[str] | None]], dev_tasks: str | Path) -> None:
    """:func:`combine` ``sources`` into ``results_cmp.jsonl``, and again without the development
    tasks (the comma-separated list in the file ``dev_tasks``) into ``results_rest.jsonl``."""
    dev = Path(dev_tasks).read_text().strip().split(",")
    n, rest = combine("results_cmp.jsonl", sources), combine("results_rest.jsonl", sources, dev)
    print(n, "runs,", rest, "outside the development fold")
