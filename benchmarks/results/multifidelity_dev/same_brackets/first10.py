"""How good are the first 10 proposals of the prior, the portfolio and random search, at full fidelity?

    python first10.py > first10.txt    # from this folder, about 2 min

On the 4 development tasks, seeds 0 to 2, each of the three proposes 10 configurations
(the fold prior: its first 10 samples, as ``hb+prior10`` would with ``cheap_of=1``; the fold
portfolio: its 10, in order; random: 10 uniform draws), and each is trained in full. Per
task-seed: the best and the median validation score of the 10, the test score of the one
best on validation, and the seconds they took
(one XGBoost thread, 2 tasks at a time).
"""

import time

import numpy as np
from run import DATA, PRIOR

TASKS = ["pmlb:clean2", "pmlb:adult", "pmlb:dna", "pmlb:wine_quality_white"]


def proposals(base, task: str, seed: int) -> dict[str, list[dict]]:
    from agents.prior import load_prior, prior_policy, resolve_prior
    from agents.rppo.sampling import sample_actions
    from agents.transfer.portfolio import load_portfolio

    policy = prior_policy(load_prior(resolve_prior(str(PRIOR), task)), base)
    rng = np.random.default_rng(seed)
    return {
        "prior": [base.space.decode(a) for a in sample_actions(policy, base, 10)],
        "portfolio": [dict(c) for c in load_portfolio(str(PRIOR), task)["configs"][:10]],
        "random": [base.space.sample(rng) for _ in range(10)],
    }


def one(task: str, seed: int) -> tuple[str, int, dict]:
    import gymnasium as gym
    import torch as th

    import hpo_env  # noqa: F401 - registers the envs
    from agents.base import play_episode

    th.set_num_threads(1)
    th.manual_seed(seed)
    env = gym.make("HPO-XGB-v0", nthread=1, data_dir=str(DATA), meta_features=True, task=task, seed=seed)
    base, out = env.unwrapped, {}
    for name, configs in proposals(base, task, seed).items():
        start = time.perf_counter()
        infos = [play_episode(env, base.space.encode(c))[1] for c in configs]
        best = max(infos, key=lambda i: i["val_score"])
        out[name] = ([i["val_score"] for i in infos], best["test_score"], time.perf_counter() - start)
    env.close()
    return task, seed, out


if __name__ == "__main__":
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(t, s) for s in range(3) for t in TASKS]
    heads = [f"{k}: best / median / test of best / s" for k in ("prior", "portfolio", "random")]
    print("| task | seed | " + " | ".join(heads) + " |")
    print("|---|---|---|---|---|")
    with ProcessPoolExecutor(2) as ex:
        for task, seed, out in ex.map(one, *zip(*jobs, strict=True)):
            cells = [f"{max(s):.4f} / {np.median(s):.4f} / {test:.4f} / {t:.1f}" for s, test, t in out.values()]
            print(f"| {task} | {seed} | " + " | ".join(cells) + " |", flush=True)
