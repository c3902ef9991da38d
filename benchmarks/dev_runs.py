"""Development runs of an agent variant that no registry name covers: the loop behind the
``run.py`` scripts of ``benchmarks/results/*_dev/``.

Each run's result line (as ``hpo-rl bench`` writes it) gets ``cpu_s``, its wall time on this
machine: in fast mode the evaluations are table look-ups, so that is the agent's own time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_variant"]


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
    from agents.rppo.agent import RecurrentPPOAgent

    out = Path(out)
    done = {(d["task"], d["seed"]) for d in map(json.loads, out.read_text().splitlines())} if out.exists() else set()
    with out.open("a") as f:
        for task in tasks:
            for seed in range(seeds):
                if (task, seed) in done:
                    continue
                agent = preset() if callable(preset) else RecurrentPPOAgent(preset)
                env = gym.make(env_id, task=task, seed=seed, **agent.env_overrides)
                t = time.perf_counter()
                r = run_agent(agent, env, budget, seed, task=task).to_dict()
                f.write(json.dumps({**r, "cpu_s": round(time.perf_counter() - t, 3)}) + "\n")
                f.flush()
