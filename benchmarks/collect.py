"""``hpo-rl collect``: measure many configurations per task with the real objective, as tables.

Per task, ``n_random`` configurations drawn uniformly in action space (seeded), then
``n_tpe`` proposed by Optuna's TPE warm-started on everything measured so far, so the
region near the optimum is covered too. Each evaluation is appended to
``<out>/raw/<slug>.jsonl`` as it finishes; a rerun picks up where it stopped (the random
sequence is replayed from its seed, TPE is warm-started from the file). When a task is
complete its table is written to ``<out>/<slug>.json.gz`` (see :mod:`hpo_env.fast.tables`).
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.parallel import process_pool
from hpo_env.fast.tables import Table, task_slug
from hpo_env.optional import require

__all__ = ["collect", "collect_task"]

#: What needs Optuna here, for the error when it is missing.
_NEEDS = "hpo-rl collect (its TPE proposals)"


def collect_task(
    task: str,
    out: str | os.PathLike[str],
    n_random: int = 250,
    n_tpe: int = 50,
    seed: int = 0,
    time_limit: float = 60.0,
    data_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Collect (or finish collecting) one task; returns the table's path."""
    require(_NEEDS, "optuna")
    import optuna

    from hpo_env.adapters import optuna_distributions
    from hpo_env.env import make_xgb_env

    if n_random < 1 or n_tpe < 0:
        raise ValueError(f"n_random={n_random!r} must be >= 1 and n_tpe={n_tpe!r} >= 0")
    out = Path(out)
    raw = out / "raw" / f"{task_slug(task)}.jsonl"
    done = out / f"{task_slug(task)}.json.gz"
    if done.exists():
        table = Table.read(done)
        same = [table.meta.get(k) for k in ("n_random", "n_tpe", "split_seed")] == [n_random, n_tpe, seed]
        if same:  # complete; a table from before meta-features were stored gets them added
            if "meta_features" not in table.meta:
                table.meta["meta_features"] = _meta_features(task, seed, data_dir)
                table.save(done)
            return done
    # cache=False: every proposal is measured and recorded, repeats included.
    env = make_xgb_env(
        task, data_dir=data_dir, seed=seed, nthread=1, time_limit=time_limit, history_path=raw, cache=False
    )
    space = env.space
    try:
        rng = np.random.default_rng(seed)
        randoms = [space.sample(rng) for _ in range(n_random)]
        for config in randoms[len(env.history) :]:
            env.evaluate(config)
        if len(env.history) < n_random + n_tpe:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
            dists = optuna_distributions(space)
            study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
            for r in env.history:
                trial = optuna.trial.create_trial(params=r["config"], distributions=dists, value=r["val_score"])
                study.add_trial(trial)
            while len(env.history) < n_random + n_tpe:
                trial = study.ask(dists)
                info = env.evaluate(trial.params)
                study.tell(trial, info["val_score"])
        meta = {
            "env": "HPO-XGB-v0",
            "split_seed": seed,
            "n_random": n_random,
            "n_tpe": n_tpe,
            "objective": env.objective.describe(),
            "data": env.objective.task.describe(),
            "meta_features": _meta_features(env.objective.task, seed, data_dir),
        }
        records = env.history.records[: n_random + n_tpe]
        return Table.from_records(task, space, records, meta).save(out / f"{task_slug(task)}.json.gz")
    finally:
        env.close()


def _meta_features(task: Any, seed: int, data_dir: str | os.PathLike[str] | None) -> dict[str, float]:
    """The task's meta-features on the table's split, by name (what the multi-task env conditions on)."""
    from hpo_env.meta_features import META_FEATURES, meta_features
    from hpo_env.tasks import load_task

    t = load_task(task, data_dir=data_dir, seed=seed) if isinstance(task, str) else task
    return {k: round(float(v), 6) for k, v in zip(META_FEATURES, meta_features(t, seed=seed), strict=True)}


def _safe_collect(kwargs: dict[str, Any]) -> tuple[str, str | None]:
    try:
        collect_task(**kwargs)
        return kwargs["task"], None
    except Exception:  # one broken task must not stop the others
        return kwargs["task"], traceback.format_exc()


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def collect(
    tasks: Sequence[str],
    out: str | os.PathLike[str],
    n_random: int = 250,
    n_tpe: int = 50,
    seed: int = 0,
    time_limit: float = 60.0,
    data_dir: str | os.PathLike[str] | None = None,
    jobs: int = 1,
    progress: bool = True,
) -> dict[str, Any]:
    """Collect every task, ``jobs`` tasks at a time (one XGBoost thread each), with one progress bar.

    Returns the tasks done and the ones that failed, with their tracebacks.
    """
    require(_NEEDS, "optuna")
    out = Path(out)
    per_task = n_random + n_tpe
    todo = [t for t in tasks if not (out / f"{task_slug(t)}.json.gz").exists()]
    for t in tasks:  # finished tables only get their meta-features added, if they lack them
        if t not in todo:
            collect_task(t, out, n_random, n_tpe, seed, time_limit, data_dir)
    kw = {"out": out, "n_random": n_random, "n_tpe": n_tpe, "seed": seed, "time_limit": time_limit,
          "data_dir": data_dir}  # fmt: skip
    bar = None
    raws = [out / "raw" / f"{task_slug(t)}.jsonl" for t in todo]
    if progress:
        from tqdm.auto import tqdm

        total = per_task * len(tasks)
        bar = tqdm(total=total, initial=total - per_task * len(todo), desc="evaluations", unit="eval")
    failed: dict[str, str] = {}
    done_before = per_task * (len(tasks) - len(todo))

    def refresh() -> None:
        if bar is not None:
            bar.n = done_before + sum(min(per_task, _count_lines(p)) for p in raws)
            bar.refresh()

    with process_pool(max(1, int(jobs))) as ex:
        futures = {ex.submit(_safe_collect, {"task": t, **kw}) for t in todo}
        while futures:
            finished, futures = cf.wait(futures, timeout=2.0)
            for f in finished:
                task, err = f.result()
                if err is not None:
                    failed[task] = err
            refresh()
    if bar is not None:
        refresh()
        bar.close()
    return {"done": [t for t in tasks if t not in failed], "failed": failed, "out": str(out), "at": time.time()}
