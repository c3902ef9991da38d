"""Distributed runs on a local Ray (the [ray] extra): the bench matrix, parallel envs, Ray Tune with our sampler."""

import pytest

ray = pytest.importorskip("ray", reason="the Ray backend is the optional [ray] extra")

from agents.parallel import init_ray, shutdown_ray  # noqa: E402
from agents.session import tune  # noqa: E402
from benchmarks.runner import run_matrix  # noqa: E402
from hpo_env.history import read_jsonl  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module: 2 CPUs, no network, session files in a temporary directory."""
    started = init_ray(num_cpus=2)
    yield
    if started:
        shutdown_ray()


def test_bench_on_ray_writes_what_the_process_backend_writes(local_ray, tmp_path):
    kw = {"tasks": ["iris"], "agents": ["random", "tpe"], "seeds": [0, 1], "budget": 3, "progress": False}
    run_matrix(out=tmp_path / "p.jsonl", jobs=1, **kw)
    s = run_matrix(out=tmp_path / "r.jsonl", jobs=2, backend="ray", **kw)
    assert s["ran"] == 4 and not s["failed"]
    p, r = read_jsonl(tmp_path / "p.jsonl"), read_jsonl(tmp_path / "r.jsonl")
    assert [sorted(x) for x in p] == [sorted(x) for x in r]
    best = {(x["agent"], x["seed"]): (x["best_val"], x["best_config"]) for x in p}
    assert best == {(x["agent"], x["seed"]): (x["best_val"], x["best_config"]) for x in r}
    again = run_matrix(out=tmp_path / "r.jsonl", jobs=2, backend="ray", **kw)  # resumes: nothing left to run
    assert again["ran"] == 0 and again["skipped"] == 4


def test_tune_with_parallel_envs_gives_the_same_run_on_ray_and_on_processes(local_ray):
    kw = {"budget": 8, "seed": 0, "n_envs": 2, "progress": False, "tensorboard": False}
    a = tune("iris", backend="ray", **kw)
    b = tune("iris", backend="process", **kw)
    assert a["n_real_evals"] == b["n_real_evals"] == 8 and a["n_episodes"] == 8
    assert a["best_config"] == b["best_config"] and a["best_val"] == b["best_val"]


def test_ray_tune_drives_our_sampler_through_optuna_search(local_ray, tmp_path):
    """The example: Ray Tune trials train real XGBoost on iris; our sampler proposes and learns."""
    from benchmarks.ray_tune_example import run

    results, sampler = run("iris", samples=8, storage=str(tmp_path))
    assert len(results) == 8 and results.num_errors == 0
    assert sampler.n_updates >= 1  # the trials' scores reached the agent and it learned from them
    best = results.get_best_result(metric="val_score", mode="max")
    assert 0.5 <= best.metrics["val_score"] <= 1.0
    import hpo_env

    space = hpo_env.xgboost_space()
    space.encode(best.config)  # the sampler's proposal reached the trainable, complete and valid
    assert set(best.config) == set(space.names)
