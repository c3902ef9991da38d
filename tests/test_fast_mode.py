"""Fast mode: tables collected with real XGBoost, and the surrogate and tabular envs built from them."""

import json
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from sklearn.ensemble import ExtraTreesRegressor

import hpo_env
from agents.base import play_episode
from benchmarks.collect import collect_task
from benchmarks.suites import SUITES
from hpo_env import Table, xgboost_space
from hpo_env.fast.forest import PackedForest
from hpo_env.fast.tables import default_table_dir, list_tables
from hpo_env.history import read_jsonl


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory):
    """A real table: 40 random + 8 TPE configurations of XGBoost on iris (about 2 s)."""
    d = tmp_path_factory.mktemp("tables")
    collect_task("iris", d, n_random=40, n_tpe=8)
    return d


def test_collect_writes_a_complete_table_seeded_and_resumable(table_dir, tmp_path):
    t = Table.load("iris", table_dir)
    assert len(t) == 48 and t.space == xgboost_space() and t.meta["n_random"] == 40
    rng = np.random.default_rng(0)
    assert t.configs[:40] == [t.space.sample(rng) for _ in range(40)]  # the seeded random part
    assert np.isfinite(t.val).all() and (t.seconds > 0).all() and not t.failed.any()
    # A partial run (only 10 random ones) resumed to the full size gives the same random part.
    collect_task("iris", tmp_path, n_random=10, n_tpe=0)
    first = read_jsonl(tmp_path / "raw" / "iris.jsonl")
    u = Table.read(collect_task("iris", tmp_path, n_random=40, n_tpe=8))
    assert len(u) == 48 and u.configs[:40] == t.configs[:40]
    assert [r["config"] for r in first] == u.configs[:10]


def test_killed_collect_resumes_without_loss_or_repeat(tmp_path, kill_midway):
    cmd = [sys.executable, "-m", "benchmarks.cli", "collect", "--tasks", "iris", "--n-random", "30", "--n-tpe", "4",
           "--out", str(tmp_path), "--no-progress"]  # fmt: skip
    raw = tmp_path / "raw" / "iris.jsonl"
    kill_midway(cmd, raw, 8)
    n_before = len(read_jsonl(raw))
    assert 8 <= n_before < 34 and not (tmp_path / "iris.json.gz").exists()
    subprocess.run(cmd, check=True, capture_output=True)
    t = Table.load("iris", tmp_path)
    rng = np.random.default_rng(0)
    assert len(t) == 34 and t.configs[:30] == [t.space.sample(rng) for _ in range(30)]


def test_packed_forest_predicts_exactly_like_sklearn():
    rng = np.random.default_rng(0)
    X, y = rng.uniform(-1, 1, (200, 5)), rng.normal(size=200)
    f = ExtraTreesRegressor(n_estimators=30, min_samples_leaf=2, random_state=0).fit(X, y)
    p = PackedForest(f, X, np.column_stack([y, 2 * y]))
    Xt = rng.uniform(-1, 1, (50, 5))
    np.testing.assert_allclose(p.predict(Xt)[:, 0], f.predict(Xt), atol=1e-12)
    np.testing.assert_allclose([p.predict_one(x)[1] for x in Xt], 2 * f.predict(Xt), atol=1e-12)


@pytest.mark.parametrize("env_id", ["HPO-XGB-Surrogate-v0", "HPO-XGB-Tabular-v0"])
def test_fast_envs_keep_the_env_contract(env_id, table_dir):
    env = gym.make(env_id, task="iris", table_dir=table_dir)
    check_env(env.unwrapped, skip_render_check=True)
    assert env.unwrapped.space == xgboost_space()
    reward, info = play_episode(env, np.zeros(9))
    assert 0.0 <= reward <= 1.0 and info["real"] and info["eval_seconds"] > 0


def test_tabular_env_answers_exactly_what_was_measured(table_dir):
    env = hpo_env.make_tabular_env("iris", table_dir=table_dir)
    t = Table.load("iris", table_dir)
    for i in (0, 17, 45):
        reward, info = play_episode(env, t.X[i])
        assert reward == t.val[i] and info["eval_seconds"] == pytest.approx(t.seconds[i], abs=1e-4)


def test_surrogate_is_seeded_ranks_held_out_rows_and_simulates_time(table_dir):
    t = Table.load("iris", table_dir)
    a = hpo_env.make_surrogate_env("iris", table_dir=table_dir, seed=3)
    b = hpo_env.make_surrogate_env("iris", table_dir=table_dir, seed=3)
    acts = np.random.default_rng(0).uniform(-1, 1, (5, 9))
    ra = [play_episode(a, x)[0] for x in acts]
    assert ra == [play_episode(b, x)[0] for x in acts]
    # Time: the env's clock advanced by the simulated seconds, not by the microseconds spent.
    sim = sum(r["seconds"] for r in a.history.records)
    assert a.elapsed() >= sim and sim > 0
    # Noise changes the rewards, around the same means.
    noisy = hpo_env.make_surrogate_env("iris", table_dir=table_dir, seed=3, noise_std=0.05, cache=False)
    rn = [play_episode(noisy, acts[0])[0] for _ in range(40)]
    assert np.std(rn) > 0.01 and abs(np.mean(rn) - ra[0]) < 0.05
    # A time limit below the predicted seconds turns the episode into a timed-out failure.
    tight = hpo_env.make_surrogate_env("iris", table_dir=table_dir, time_limit=1e-3)
    _, info = play_episode(tight, acts[0])
    # A real run stops at the limit, so the time-out costs the limit, not the predicted seconds.
    assert info["timed_out"] and info["val_score"] == 0.0 and info["eval_seconds"] == 1e-3
    assert a.objective.predict(t.X).shape == (len(t),)


def test_fast_mode_results_report_the_simulated_clock():
    from agents.base import run_agent
    from agents.registry import make_agent

    env = hpo_env.make_surrogate_env("pmlb:letter", seed=0)  # a shipped table; seconds per evaluation
    res = run_agent(make_agent("random"), env, 10, 0)
    sim = sum(r["seconds"] for r in env.history.records)
    # wall_s is on the trajectory's clock: the simulated training plus the agent's own time.
    # (The trajectory rounds its times to 4 decimals.)
    assert res.wall_s + 1e-4 >= res.trajectory[-1][1] >= sim > 1.0


def test_missing_table_says_how_to_collect_one(table_dir):
    with pytest.raises(FileNotFoundError, match=r"hpo-rl collect --tasks pmlb:nosuch --out"):
        gym.make("HPO-XGB-Surrogate-v0", task="pmlb:nosuch", table_dir=table_dir)


def test_table_of_another_space_is_refused_naming_the_difference(table_dir):
    spec = xgboost_space().to_list()
    spec[1]["high"] = 10
    with pytest.raises(ValueError, match=r"hyperparameter 1 is .*'max_depth'.*'high': 12.* but .*'high': 10"):
        gym.make("HPO-XGB-Tabular-v0", task="iris", table_dir=table_dir, space=spec)


def test_every_agent_benchmarks_in_fast_mode(table_dir, tmp_path):
    from agents.registry import AGENTS, make_agent
    from benchmarks.runner import RESULT_KEYS, run_matrix

    # Fast mode has no partial evaluations: the multi-fidelity agents are refused before any run.
    kw = {"env_id": "HPO-XGB-Surrogate-v0", "env_kwargs": {"table_dir": str(table_dir)}, "progress": False}
    with pytest.raises(ValueError, match=r"agents \['tpe-hyperband'\] make partial evaluations"):
        run_matrix(["iris"], ["random", "tpe-hyperband"], [0], 4, tmp_path / "mf.jsonl", **kw)
    assert not (tmp_path / "mf.jsonl").exists()
    agents = [a for a in AGENTS if (a != "smac" or pytest.importorskip("smac")) and not make_agent(a).multi_fidelity]
    out = tmp_path / "fast.jsonl"
    s = run_matrix(["iris"], agents, [0], 4, out, **kw)
    assert not s["failed"], s["failed"]
    rows = read_jsonl(out)
    assert sorted(r["agent"] for r in rows) == sorted(agents)
    assert all(set(RESULT_KEYS) <= set(r) and r["n_real_evals"] == 4 for r in rows)


def test_shipped_tables_cover_the_public_and_quick_suites():
    d = default_table_dir()
    have = set(list_tables(d))
    missing = [t for t in (*SUITES["quick"], *SUITES["public"]) if t not in have]
    assert not missing, f"no shipped table for {missing}"
    for task in have:
        t = Table.load(task, d)
        assert t.space == xgboost_space() and len(t) >= 300, (task, len(t))
        assert np.isfinite(t.val).all() and json.dumps(t.meta)
    total = sum(p.stat().st_size for p in d.glob("*.json.gz"))
    assert total < 5e6, f"shipped tables take {total / 1e6:.1f} MB"


def test_bench_cli_passes_env_args_to_the_fast_env(table_dir, tmp_path):
    from benchmarks.cli import main

    out = tmp_path / "noisy.jsonl"
    args = ["bench", "--env", "HPO-XGB-Surrogate-v0", "--tasks", "iris", "--agents", "random", "--budget", "5",
            "--seeds", "1", "--out", str(out), "--no-progress", "--env-arg", f"table_dir={table_dir}",
            "--env-arg", "noise_std=0.05"]  # fmt: skip
    assert main(args) == 0
    noisy = read_jsonl(out)[0]
    assert main([*args[:-4], "--out", str(tmp_path / "clean.jsonl"), "--env-arg", f"table_dir={table_dir}"]) == 0
    clean = read_jsonl(tmp_path / "clean.jsonl")[0]
    assert noisy["best_config"] != clean["best_config"] or noisy["best_val"] != clean["best_val"]
    assert main([*args, "--env-arg", "not a pair"]) == 2


def test_tables_store_meta_features_and_collect_adds_them_to_old_tables(table_dir, tmp_path):
    from hpo_env.fast.surrogate import make_surrogate_env
    from hpo_env.meta_features import META_FEATURES, meta_features
    from hpo_env.tasks import load_task

    t = Table.load("iris", table_dir)
    expected = meta_features(load_task("iris", seed=0), seed=0)
    np.testing.assert_allclose([t.meta["meta_features"][k] for k in META_FEATURES], expected, atol=1e-6)
    env = make_surrogate_env("iris", table_dir=table_dir, meta_features=True)
    np.testing.assert_allclose(env.reset()[0][1 + env.n_hyperparameters :], expected, atol=1e-6)
    # A table written before meta-features were stored: a clear error, and collect fixes it.
    del t.meta["meta_features"]
    t.save(tmp_path / "iris.json.gz")
    with pytest.raises(ValueError, match="has no meta-features.*hpo-rl collect --tasks iris"):
        make_surrogate_env("iris", table_dir=tmp_path, meta_features=True)
    collect_task("iris", tmp_path, n_random=40, n_tpe=8)
    assert Table.load("iris", tmp_path).meta["meta_features"] == Table.load("iris", table_dir).meta["meta_features"]
