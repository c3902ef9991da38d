"""Which reward model ranks unseen configurations best? Held-out error of each model on real evaluations.

    python -m benchmarks.reward_models --tasks breast_cancer,pmlb:phoneme,pmlb:vehicle --n-eval 160

For each task it evaluates ``--n-eval`` uniform random configurations with real XGBoost
(nthread=1), then for each training size n fits every model on n of them and scores the
rest: Spearman rank correlation (what matters to an optimiser that follows the model),
RMSE, and Spearman on the better half of the held-out configurations (accuracy near the
optimum). Repeated over ``--repeats`` random train/held-out splits.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import spearmanr

from hpo_env import make_xgb_env
from hpo_env.reward_models import REWARD_MODELS, history_dataset, make_reward_model


def collect(task: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    env = make_xgb_env(task, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(n):
        env.evaluate(env.space.sample(rng))
    return history_dataset(env.space, env.history.records)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", default="breast_cancer,pmlb:phoneme,pmlb:vehicle")
    p.add_argument("--n-eval", type=int, default=160)
    p.add_argument("--sizes", default="20,50,100")
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    results: dict[tuple[str, int], list[tuple[float, float, float, float]]] = {}
    for task in a.tasks.split(","):
        X, y = collect(task, a.n_eval)
        for rep in range(a.repeats):
            perm = np.random.default_rng(rep).permutation(len(y))
            for n in sizes:
                tr, te = perm[:n], perm[n:]
                top = te[y[te] >= np.median(y[te])]
                for name in REWARD_MODELS:
                    t0 = time.perf_counter()
                    m = make_reward_model(name, seed=rep).fit(X[tr], y[tr])
                    fit_s = time.perf_counter() - t0
                    mu, _ = m.predict(X[te])
                    mu_top, _ = m.predict(X[top])
                    rho = spearmanr(mu, y[te]).statistic
                    rho_top = spearmanr(mu_top, y[top]).statistic
                    rmse = float(np.sqrt(np.mean((mu - y[te]) ** 2)))
                    results.setdefault((name, n), []).append((rho, rho_top, rmse, fit_s))
    print(f"tasks: {a.tasks}; {a.n_eval} random configurations each; {a.repeats} splits\n")
    print("| model | n train | Spearman | Spearman, top half | RMSE | fit s |\n|---|---|---|---|---|---|")
    for (name, n), v in sorted(results.items()):
        r = np.nanmean(np.array(v), axis=0)
        print(f"| {name} | {n} | {r[0]:.3f} | {r[1]:.3f} | {r[2]:.4f} | {r[3]:.3f} |")


if __name__ == "__main__":
    main()
