"""Ray Tune with our agent: ``OptunaSearch`` driven by :class:`~agents.rppo.optuna_sampler.RecurrentPPOSampler`.

    python -m benchmarks.ray_tune_example --task breast_cancer --samples 40

Each Ray Tune trial trains XGBoost once with HPO-XGB-v0's objective and search space;
the sampler in the driver proposes the configurations and learns from the scores.
Needs the ``[ray]`` and ``[bench]`` extras.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from typing import Any

__all__ = ["run"]


@functools.cache
def _objective(task: str, seed: int) -> Any:
    from hpo_env import make_xgb_env

    return make_xgb_env(task, seed=seed).objective  # built once per Ray worker


def define_by_run(trial: Any) -> None:
    """The XGBoost env's search space, asked one parameter at a time (one policy step each)."""
    from hpo_env import xgboost_space
    from hpo_env.adapters import suggest_config

    suggest_config(trial, xgboost_space())


def trainable(config: dict[str, Any], task: str = "breast_cancer", seed: int = 0) -> dict[str, Any]:
    ev = _objective(task, seed).evaluate(config)
    return {"val_score": ev.val_score, "test_score": ev.test_score, "seconds": ev.seconds}


def run(task: str = "breast_cancer", samples: int = 40, seed: int = 0, concurrent: int = 2,
        storage: str | None = None) -> Any:  # fmt: skip
    """Run the Ray Tune job; returns Ray Tune's ``ResultGrid`` and the sampler."""
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    from agents.parallel import init_ray
    from agents.rppo.optuna_sampler import RecurrentPPOSampler

    init_ray(num_cpus=concurrent)
    sampler = RecurrentPPOSampler(seed=seed)
    search = OptunaSearch(space=define_by_run, sampler=sampler, metric="val_score", mode="max", seed=seed)
    tuner = tune.Tuner(
        tune.with_parameters(trainable, task=task, seed=seed),
        tune_config=tune.TuneConfig(search_alg=search, num_samples=samples, max_concurrent_trials=concurrent),
        run_config=tune.RunConfig(storage_path=storage or tempfile.mkdtemp(prefix="hpo-rl-tune-"), verbose=0),
    )
    return tuner.fit(), sampler


def main(argv: list[str] | None = None) -> None:
    from agents.parallel import shutdown_ray

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", default="breast_cancer")
    p.add_argument("--samples", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--concurrent", type=int, default=2)
    a = p.parse_args(argv)
    results, sampler = run(a.task, a.samples, a.seed, a.concurrent)
    best = results.get_best_result(metric="val_score", mode="max")
    print(f"{len(results)} trials, {results.num_errors} errors, {sampler.n_updates} policy updates")
    print(f"best val_score {best.metrics['val_score']:.4f} (test {best.metrics['test_score']:.4f}): {best.config}")
    shutdown_ray()


if __name__ == "__main__":
    main()
