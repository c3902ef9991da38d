"""How much the env itself costs per step, and what one real evaluation costs per task.

    python -m benchmarks.env_overhead --tasks breast_cancer,pmlb:australian,pmlb:adult --evals 5

The step overhead is measured on an objective that does no work, so what is left is
the env's own bookkeeping (action checks, observation, decode, history, info). The
evaluation seconds are real XGBoost fits (nthread=1) of uniform random configurations.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hpo_env import FunctionObjective, HPOEnv, make_xgb_env, xgboost_space


def step_overhead_us(episodes: int = 20000, cache: bool = False) -> float:
    """Mean microseconds per ``env.step`` with a free objective, over ``episodes`` episodes."""
    env = HPOEnv(FunctionObjective(lambda c: 0.5, xgboost_space()), cache=cache)
    n = env.n_hyperparameters
    acts = np.random.default_rng(0).uniform(-1, 1, (episodes, n, 1)).astype(np.float32)
    env.reset(seed=0)
    t0 = time.perf_counter()
    for e in range(episodes):
        env.reset()
        for i in range(n):
            env.step(acts[e, i])
    reset_and_steps = time.perf_counter() - t0
    return 1e6 * reset_and_steps / (episodes * n)


def eval_seconds(task: str, evals: int, seed: int = 0) -> list[float]:
    env = make_xgb_env(task, seed=seed)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(evals):
        env.reset()
        for a in rng.uniform(-1, 1, env.n_hyperparameters):
            *_, info = env.step(np.array([a], np.float32))
        out.append(info["eval_seconds"])
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default="breast_cancer,digits", help="comma-separated task specs")
    p.add_argument("--evals", type=int, default=5, help="random configurations per task")
    p.add_argument("--episodes", type=int, default=20000, help="episodes for the step-overhead timing")
    a = p.parse_args(argv)
    print(f"env step overhead, no evaluation, cache off: {step_overhead_us(a.episodes, cache=False):.1f} us/step")
    print(f"env step overhead, no evaluation, cache on:  {step_overhead_us(a.episodes, cache=True):.1f} us/step")
    print("| task | evals | median s | max s |\n|---|---|---|---|")
    for task in a.tasks.split(","):
        s = eval_seconds(task, a.evals)
        print(f"| {task} | {len(s)} | {np.median(s):.3f} | {max(s):.3f} |")


if __name__ == "__main__":
    main()
