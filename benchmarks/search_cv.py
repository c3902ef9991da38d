"""``RLSearchCV`` against scikit-learn's ``RandomizedSearchCV``: same data, same budget, same CV.

    python -m benchmarks.search_cv --tasks pmlb:diabetes,pmlb:vowel --n-iter 20 --seeds 3 --out results.jsonl

Per task and seed: a stratified 25% test split (seeded), then each search runs ``n_iter``
configurations of XGBoost's default 9-d space (``hpo_env.xgboost_space``, sampled by
``RandomizedSearchCV`` from the same ranges: log-uniform where the space is log) with
5-fold CV on the rest, and refits the best. A method is ``RandomizedSearchCV``,
``RLSearchCV:AGENT``, or ``RLSearchCV-mf:AGENT`` (``multi_fidelity=True``, ``n_iter`` in
full-evaluation equivalents). One JSON line per (method, task, seed): ``best_score`` (the
CV accuracy of the chosen configuration), ``test_score`` (the refit model on the test
split), ``seconds``, and ``configs`` and ``pruned`` (configurations tried, and of them
stopped early). Rerunning skips lines already there.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from hpo_env.history import append_jsonl, read_jsonl

__all__ = ["run", "scipy_distributions"]


class _LogUniformInt:
    """Integers drawn log-uniformly in [low, high], as the space's log-scaled ``Int`` decodes them."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def rvs(self, random_state: Any = None) -> int:
        rng = np.random.default_rng(random_state.randint(2**31) if hasattr(random_state, "randint") else random_state)
        return int(np.clip(round(np.exp(rng.uniform(np.log(self.low), np.log(self.high)))), self.low, self.high))


def scipy_distributions(space: Any) -> dict[str, Any]:
    """``RandomizedSearchCV``'s ``param_distributions`` for a :class:`~hpo_env.spaces.SearchSpace`."""
    from scipy.stats import loguniform, randint, uniform

    from hpo_env.spaces import Float, Int

    out: dict[str, Any] = {}
    for hp in space:
        if isinstance(hp, Float):
            out[hp.name] = loguniform(hp.low, hp.high) if hp.log else uniform(hp.low, hp.high - hp.low)
        elif isinstance(hp, Int):
            out[hp.name] = _LogUniformInt(hp.low, hp.high) if hp.log else randint(hp.low, hp.high + 1)
        else:
            out[hp.name] = list(hp.choices)
    return out


def _one(method: str, task: str, seed: int, n_iter: int, data_dir: str | None) -> dict[str, Any]:
    from sklearn.model_selection import RandomizedSearchCV, train_test_split
    from xgboost import XGBClassifier

    from agents.search_cv import RLSearchCV
    from hpo_env import load_task, xgboost_space

    t = load_task(task, data_dir=data_dir)
    X, y = (t.X.to_numpy() if hasattr(t.X, "to_numpy") else t.X), t.y
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    est = XGBClassifier(tree_method="hist", n_jobs=1, random_state=seed)
    if method == "RandomizedSearchCV":
        search = RandomizedSearchCV(est, scipy_distributions(xgboost_space()), n_iter=n_iter, cv=5, random_state=seed)
    else:
        kind, _, agent = method.partition(":")
        mf = kind == "RLSearchCV-mf"
        search = RLSearchCV(est, agent=agent, n_iter=n_iter, cv=5, random_state=seed, multi_fidelity=mf)
    t0 = time.perf_counter()
    search.fit(Xtr, ytr)
    seconds, r = round(time.perf_counter() - t0, 2), search.cv_results_
    return {"method": method, "task": task, "seed": seed, "n_iter": n_iter, "best_score": float(search.best_score_),
            "test_score": float(search.score(Xte, yte)), "seconds": seconds, "configs": len(r["params"]),
            "pruned": int(np.sum(r.get("pruned", 0)))}  # fmt: skip


def run(tasks: list[str], methods: list[str], seeds: int, n_iter: int, out: Path, data_dir: str | None) -> None:
    done = {(r["method"], r["task"], r["seed"]) for r in read_jsonl(out)} if out.exists() else set()
    for task in tasks:
        for seed in range(seeds):
            for m in methods:
                if (m, task, seed) not in done:
                    append_jsonl(out, _one(m, task, seed, n_iter, data_dir))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", required=True)
    p.add_argument("--methods", default="RandomizedSearchCV,RLSearchCV:rppo-prior,RLSearchCV:tpe")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n-iter", type=int, default=20)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", default="search_cv.jsonl")
    a = p.parse_args(argv)
    run(a.tasks.split(","), a.methods.split(","), a.seeds, a.n_iter, Path(a.out), a.data_dir)
    text = summary(read_jsonl(a.out))
    Path(a.out).with_name("summary.md").write_text(text + "\n")
    print(text)


def _per_task(df: Any, value: str) -> list[str]:
    table = df.pivot_table(index="task", columns="method", values=value)
    lines = ["| task | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    return lines + [f"| {t} | " + " | ".join(f"{v:.4f}" for v in row) + " |" for t, row in table.iterrows()]


def summary(rows: list[dict[str, Any]]) -> str:
    """Per method: mean CV score and test score, and paired wins/ties/losses on test against
    RandomizedSearchCV over tasks (a tie: the mean difference over seeds within 2 standard
    errors); then the mean test and CV scores per task."""
    import pandas as pd

    df = pd.DataFrame(rows)
    lines = ["| method | mean CV score | mean test score | mean s | configs (stopped early) | "
             "test vs RandomizedSearchCV W/T/L |", "|---|---|---|---|---|---|"]  # fmt: skip
    for col in ("configs", "pruned"):  # lines written before these were recorded
        df[col] = df.get(col, np.nan)
    ref = df[df.method == "RandomizedSearchCV"].set_index(["task", "seed"]).test_score
    for m, d in df.groupby("method", sort=False):
        wtl = [0, 0, 0]
        for _, dt in d.groupby("task"):
            diff = (dt.set_index(["task", "seed"]).test_score - ref).dropna().to_numpy()
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            wtl[0 if diff.mean() > 2 * se and diff.mean() > 0 else 2 if diff.mean() < -2 * se else 1] += 1
        lines.append(f"| {m} | {d.best_score.mean():.4f} | {d.test_score.mean():.4f} | {d.seconds.mean():.1f} | "
                     f"{d.configs.mean():.1f} ({d.pruned.mean():.1f}) | "
                     f"{'-' if m == 'RandomizedSearchCV' else '/'.join(map(str, wtl))} |")  # fmt: skip
    lines += ["", "Mean test score per task:", "", *_per_task(df, "test_score")]
    lines += ["", "Mean CV score of the chosen configuration per task:", "", *_per_task(df, "best_score")]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from benchmarks.cli import guarded

    saved = "the finished lines are saved in --out (searches in flight are lost); run the same command again to resume"
    sys.exit(guarded("benchmarks.search_cv", main, lambda: saved))
