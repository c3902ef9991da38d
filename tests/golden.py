"""Same seeds, same trajectories: every registered agent's ``best_val`` trajectory on the
quick suite in fast mode, recorded before a refactor and compared after it.

Record (only when a change is *meant* to alter results, and say so in the commit)::

    python tests/golden.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "data" / "golden_trajectories.json"
#: Past ``min_real_evals`` (10) and two cycles of 8 real episodes, so the reward model's
#: fit, screening and model stretches all run.
BUDGET = 20
ENV_ID = "HPO-XGB-Surrogate-v0"
SEED = 0


def trajectory(agent: str, task: str) -> list[float | None]:
    """``best_val`` after each real evaluation of one fast-mode run."""
    from benchmarks.runner import run_one

    return [t[2] for t in run_one(agent, task, SEED, BUDGET, env_id=ENV_ID)["trajectory"]]


def sampler_trajectory(task: str = "iris", n_trials: int = 30) -> list[float]:
    """Best value after each trial of :class:`~agents.RecurrentPPOSampler` with its model
    stretch on (``model_based=True``), on a fast-mode objective: the sampler's own route."""
    import gymnasium as gym
    import optuna

    import hpo_env  # noqa: F401
    from agents import RecurrentPPOSampler
    from hpo_env.adapters import suggest_config

    env = gym.make(ENV_ID, task=task, seed=SEED).unwrapped
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=RecurrentPPOSampler(seed=SEED, model_based=True))
    best, out = None, []
    for _ in range(n_trials):
        trial = study.ask()
        v = env.evaluate(suggest_config(trial, env.space))["val_score"]
        study.tell(trial, v)
        best = v if best is None else max(best, v)
        out.append(best)
    return out


def cases() -> list[tuple[str, str]]:
    """(agent, task) pairs: every agent on every quick-suite task, but ``smac`` (two identical
    SMAC3 runs, same seed, separate processes, differed from its 7th to 17th evaluation of
    20) and the multi-fidelity agents, which fast mode cannot serve."""
    from agents.registry import AGENTS, make_agent
    from benchmarks.suites import SUITES

    agents = [a for a in sorted(AGENTS) if a != "smac" and not make_agent(a).multi_fidelity]
    return [(a, t) for a in agents for t in SUITES["quick"]]


def main() -> None:
    import time

    out = {}
    for a, t in cases():
        t0 = time.perf_counter()
        out[f"{a}/{t}"] = trajectory(a, t)
        print(f"{a}/{t}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    out["sampler-mb/iris"] = sampler_trajectory()
    if "--write" in sys.argv:
        GOLDEN.write_text(json.dumps(out, indent=0) + "\n")


if __name__ == "__main__":
    main()
