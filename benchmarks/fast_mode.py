"""Measurements of fast mode: surrogate fidelity, env speed, and agent-ranking agreement with real mode.

    python -m benchmarks.fast_mode fidelity --folds 5
    python -m benchmarks.fast_mode speed --episodes 5000
    python -m benchmarks.fast_mode ranking --real REAL.jsonl --fast FAST.jsonl --agents random,tpe,cmaes,rppo

``fidelity``: per task, k-fold Spearman correlation between each regressor's predictions
and the measured validation scores of held-out table rows (what an agent's choices
depend on is the ranking of configurations, not the scores themselves).
``speed``: env steps per second of a random policy, env alone (no agent).
``ranking``: each side's mean rank of the agents over the tasks both ran (ties share
ranks), and Kendall's tau between the two orderings, overall and per task.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any

import numpy as np

from hpo_env.fast.forest import FORESTS, make_forest

__all__ = ["fidelity", "mean_ranks", "ranking_agreement", "steps_per_second"]


def _regressor(name: str, seed: int) -> Any:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import Matern, WhiteKernel
    from sklearn.neighbors import KNeighborsRegressor

    if name in FORESTS:
        return make_forest(name, seed)
    if name == "knn":
        return KNeighborsRegressor(n_neighbors=5, weights="distance")
    if name == "gp":
        return GaussianProcessRegressor(Matern(nu=2.5) + WhiteKernel(), normalize_y=True, random_state=seed)
    if name == "xgboost":
        from xgboost import XGBRegressor

        return XGBRegressor(n_estimators=300, max_depth=4, learning_rate=0.05, subsample=0.8, nthread=1,
                            random_state=seed)  # fmt: skip
    raise ValueError(f"unknown regressor {name!r}")


def fidelity(
    task: str, regressors: list[str], folds: int = 5, seed: int = 0, table_dir: Any = None
) -> dict[str, float]:
    """Mean over ``folds`` of the held-out Spearman correlation of each regressor on ``task``'s table."""
    import warnings

    from scipy.stats import spearmanr
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import KFold

    from hpo_env.fast.tables import Table

    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # the GP's noise bound, at times
    t = Table.load(task, table_dir)
    out: dict[str, list[float]] = defaultdict(list)
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(t.X):
        for name in regressors:
            pred = _regressor(name, seed).fit(t.X[train], t.val[train]).predict(t.X[test])
            rho = spearmanr(pred, t.val[test]).statistic
            out[name].append(0.0 if not np.isfinite(rho) else float(rho))
    return {k: float(np.mean(v)) for k, v in out.items()}


def steps_per_second(env_id: str, task: str, episodes: int = 5000, seed: int = 0) -> float:
    """Env steps per second under uniform random actions (actions drawn beforehand). A
    conditional space's episodes skip the inactive hyperparameters, so only steps taken count."""
    import gymnasium as gym

    import hpo_env  # noqa: F401 - registers the envs

    env = gym.make(env_id, task=task, seed=seed).unwrapped
    n = env.n_hyperparameters
    acts = np.random.default_rng(seed).uniform(-1, 1, (episodes, n, 1)).astype(np.float32)
    env.reset(seed=seed)
    steps, t0 = 0, time.perf_counter()
    for e in range(episodes):
        env.reset()
        terminated = False
        while not terminated:
            terminated = env.step(acts[e, env.next_index])[2]
            steps += 1
    return steps / (time.perf_counter() - t0)


def mean_ranks(results: list[dict[str, Any]], agents: list[str], tasks: list[str]) -> dict[str, dict[str, float]]:
    """Per task, each agent's rank (1 = best) by its mean best validation score over seeds; ties share ranks."""
    from scipy.stats import rankdata

    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in results:
        if r["agent"] in agents and r["task"] in tasks and r["best_val"] is not None:
            by[(r["task"], r["agent"])].append(r["best_val"])
    out: dict[str, dict[str, float]] = {}
    for task in tasks:
        if all((task, a) in by for a in agents):
            means = np.array([np.mean(by[(task, a)]) for a in agents])
            out[task] = dict(zip(agents, rankdata(-means).tolist(), strict=True))
    return out


def ranking_agreement(real: list[dict[str, Any]], fast: list[dict[str, Any]], agents: list[str]) -> dict[str, Any]:
    """Kendall's tau between the agents' mean ranks in real and fast mode, overall and per task."""
    from scipy.stats import kendalltau

    tasks = sorted({r["task"] for r in real} & {r["task"] for r in fast})
    rr, rf = mean_ranks(real, agents, tasks), mean_ranks(fast, agents, tasks)
    common = [t for t in tasks if t in rr and t in rf]
    if not common:
        raise ValueError(f"no task where all of {agents} ran in both result files")
    real_mean = {a: float(np.mean([rr[t][a] for t in common])) for a in agents}
    fast_mean = {a: float(np.mean([rf[t][a] for t in common])) for a in agents}
    tau = kendalltau([real_mean[a] for a in agents], [fast_mean[a] for a in agents]).statistic
    per_task = {}
    for t in common:
        x = kendalltau([rr[t][a] for a in agents], [rf[t][a] for a in agents]).statistic
        per_task[t] = None if not np.isfinite(x) else float(x)
    return {"tasks": common, "real_mean_rank": real_mean, "fast_mean_rank": fast_mean, "tau": float(tau),
            "per_task_tau": per_task}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    from hpo_env.history import read_jsonl

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    f = sub.add_parser("fidelity")
    f.add_argument("--tasks", default=None, help="comma-separated (default: every table)")
    f.add_argument("--regressors", default="extra_trees,random_forest,xgboost,knn,gp")
    f.add_argument("--folds", type=int, default=5)
    f.add_argument("--table-dir", default=None)
    s = sub.add_parser("speed")
    s.add_argument("--task", default="breast_cancer")
    s.add_argument("--episodes", type=int, default=5000)
    s.add_argument("--yahpo-task", default="31", help="the OpenML id of HPO-XGB-YAHPO-v0's row ('' to skip it)")
    r = sub.add_parser("ranking")
    r.add_argument("--real", required=True)
    r.add_argument("--fast", required=True)
    r.add_argument("--agents", default="random,tpe,cmaes,rppo")
    a = p.parse_args(argv)
    if a.what == "fidelity":
        from hpo_env.fast.tables import list_tables

        tasks = a.tasks.split(",") if a.tasks else list_tables(a.table_dir)
        regs = a.regressors.split(",")
        print("| task | " + " | ".join(regs) + " |\n|---|" + "---|" * len(regs))
        rows = []
        for t in tasks:
            res = fidelity(t, regs, a.folds, table_dir=a.table_dir)
            rows.append(res)
            print(f"| {t} | " + " | ".join(f"{res[x]:.3f}" for x in regs) + " |", flush=True)
        print("| **median** | " + " | ".join(f"**{np.median([r[x] for r in rows]):.3f}**" for x in regs) + " |")
    elif a.what == "speed":
        print("| env | task | steps/s |\n|---|---|---|")
        runs = [("HPO-XGB-Surrogate-v0", a.task), ("HPO-XGB-Tabular-v0", a.task)]
        runs += [("HPO-XGB-YAHPO-v0", a.yahpo_task)] if a.yahpo_task else []
        for env_id, task in runs:
            print(f"| {env_id} | {task} | {steps_per_second(env_id, task, a.episodes):,.0f} |", flush=True)
    else:
        agents = a.agents.split(",")
        res = ranking_agreement(read_jsonl(a.real), read_jsonl(a.fast), agents)
        print(f"tasks ({len(res['tasks'])}): {', '.join(res['tasks'])}")
        print("| agent | mean rank, real | mean rank, fast |\n|---|---|---|")
        for x in agents:
            print(f"| {x} | {res['real_mean_rank'][x]:.2f} | {res['fast_mean_rank'][x]:.2f} |")
        taus = [v for v in res["per_task_tau"].values() if v is not None]
        print(f"Kendall's tau of the mean ranks: {res['tau']:.3f}; per task: median {np.median(taus):.3f}")
        for t, v in res["per_task_tau"].items():
            print(f"  {t}: {v}")


if __name__ == "__main__":
    main()
