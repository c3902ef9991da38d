"""YAHPO Gym's surrogates as envs: the ONNX reader against the package's own outputs, the
conditional episode, and the checkers. Each prediction takes a fraction of a millisecond."""

import json

import gymnasium as gym
import numpy as np
import pytest

import hpo_env
from hpo_env.fidelity import Fidelity
from hpo_env.yahpo import SCENARIOS, YahpoSurrogate, make_yahpo_env


def test_the_reader_matches_yahpo_gym_on_every_target(yahpo_data):
    surrogate = YahpoSurrogate("rbv2_xgboost", yahpo_data)
    rows = [json.loads(line) for line in (yahpo_data / "reference_rbv2_xgboost.jsonl").read_text().splitlines()]
    assert len(rows) == 200
    for row in rows:
        got = surrogate.predict(row["config"])
        assert set(got) == set(row["y"])
        for target, want in row["y"].items():
            assert got[target] == pytest.approx(want, rel=1e-4, abs=1e-4), (target, row["config"])


def _asked(env, booster):
    """The hyperparameters one episode asks for, in order, when ``booster`` is chosen."""
    space, base = env.unwrapped.space, env.unwrapped
    obs, _ = env.reset(seed=0)
    asked, terminated, info = [], False, {}
    while not terminated:
        name = space.names[int(np.argmax(obs[1 : 1 + len(space)]))]
        asked.append(name)
        value = space[name].encode(booster) if name == "booster" else 0.0
        obs, _, terminated, _, info = env.step(np.array([value], np.float32))
    assert base.next_index is None
    return asked, info


def test_an_episode_asks_only_the_active_hyperparameters(yahpo_data):
    env = gym.make("HPO-XGB-YAHPO-v0", task=31, yahpo_dir=yahpo_data)
    linear, info = _asked(env, "gblinear")
    assert linear == ["booster", "alpha", "lambda", "nrounds", "num.impute.selected.cpo", "subsample"]
    assert set(info["config"]) == set(linear) and -10 < info["val_score"] < 0
    tree, _ = _asked(env, "gbtree")
    dart, info = _asked(env, "dart")
    assert len(tree) == 12 and "rate_drop" not in tree and len(dart) == 14
    assert dart[-2:] == ["rate_drop", "skip_drop"] and set(info["config"]) == set(dart)


def test_reward_clock_and_bad_input(yahpo_data):
    env = make_yahpo_env("31", yahpo_dir=yahpo_data)
    config = {"booster": "gbtree", **{k: v for k, v in _defaults(env).items() if k != "booster"}}
    info = env.evaluate(config)
    y = env.objective.surrogate.predict({**config, "task_id": "31", "trainsize": 1.0, "repl": 10})
    assert info["val_score"] == pytest.approx(-y["logloss"]) and info["eval_seconds"] == pytest.approx(y["timetrain"])
    assert env.objective.reward(info["val_score"]) == pytest.approx(np.exp(-y["logloss"]))
    assert env.elapsed() >= y["timetrain"]  # the simulated clock
    with pytest.raises(ValueError, match=r"task='nope' is not a rbv2_xgboost task; expected one of its 119 OpenML ids"):
        make_yahpo_env("nope", yahpo_dir=yahpo_data)
    with pytest.raises(ValueError, match=r"metric='rmse'; expected one of \['logloss', 'acc'"):
        make_yahpo_env("31", metric="rmse", yahpo_dir=yahpo_data)
    with pytest.raises(ValueError, match="order='shuffle' with a conditional search space"):
        make_yahpo_env("31", order="shuffle", yahpo_dir=yahpo_data)
    with pytest.raises(FileNotFoundError, match="no YAHPO surrogates at /nowhere"):
        make_yahpo_env("31", yahpo_dir="/nowhere")


def _defaults(env):
    return env.unwrapped.space.decode(np.zeros(len(env.unwrapped.space)))


@pytest.mark.parametrize(("env_id", "task", "n"), [("HPO-XGB-YAHPO-v0", "31", 14), ("HPO-MLP-LCBench-v0", "3945", 7)])
def test_gymnasium_and_sb3_env_checkers_pass(yahpo_data, env_id, task, n):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(env_id, task=task, yahpo_dir=yahpo_data)
    assert env.unwrapped.n_hyperparameters == n
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env.unwrapped, warn=True)


def test_lcbench_scores_validation_and_test(yahpo_data):
    env = gym.make("HPO-MLP-LCBench-v0", task=3945, yahpo_dir=yahpo_data, metric="balanced_accuracy")
    info = env.unwrapped.evaluate(_defaults(env))
    assert 0 < info["val_score"] <= 1 and 0 < info["test_score"] <= 1
    assert set(SCENARIOS) == {"rbv2_xgboost", "lcbench"} and hpo_env.HPOEnv is type(env.unwrapped)
    # Every metric from the one prediction; the env's own is the record's score.
    rec = env.unwrapped.history.records[-1]
    assert set(rec["scores"]) == {"cross_entropy", "balanced_accuracy", "accuracy"}
    assert rec["scores"]["balanced_accuracy"] == [info["val_score"], info["test_score"]]
    assert rec["scores"]["cross_entropy"][0] < 0 and rec["scores"]["accuracy"][1] is None


@pytest.mark.parametrize(("env_id", "task"), [("HPO-XGB-YAHPO-v0", "31"), ("HPO-MLP-LCBench-v0", "3945")])
def test_held_out_portfolios_on_yahpo_never_saw_their_task(yahpo_data, tmp_path, env_id, task):
    from agents.base import run_agent
    from agents.prior.yahpo import build_yahpo_folds
    from agents.registry import make_agent
    from agents.transfer.portfolio import load_portfolio
    from hpo_env.yahpo import YAHPO_ENVS

    scenario = YAHPO_ENVS[env_id]
    paths = build_yahpo_folds(tmp_path, folds=3, k=4, candidates=40, yahpo_dir=yahpo_data, scenario=scenario)
    held = json.loads((tmp_path / "folds.json").read_text())["folds"]
    ids = YahpoSurrogate(scenario, yahpo_data).instances
    assert len(paths) == 3 and sorted(t for f in held for t in f) == sorted(f"yahpo:{scenario}/{t}" for t in ids)
    env = gym.make(env_id, task=task, yahpo_dir=yahpo_data).unwrapped
    doc = load_portfolio(tmp_path, f"yahpo:{scenario}/{task}", env.space)
    assert f"yahpo:{scenario}/{task}" not in doc["train"]["tasks"] and len(doc["configs"]) == 4
    assert doc["mean_best_percentile"] == sorted(doc["mean_best_percentile"])
    res = run_agent(make_agent("portfolio-tpe", prior=str(tmp_path)), env, 6, seed=0)
    assert res.extra == {"portfolio": doc["path"], "prior_saw_task": False}
    assert [r["config"] for r in env.history.records[:4]] == [pytest.approx(c) for c in doc["configs"]]


def test_the_suites_are_the_scenarios_tasks(yahpo_data):
    from benchmarks.suites import SUITES

    for suite, scenario in (("yahpo", "rbv2_xgboost"), ("lcbench", "lcbench")):
        assert sorted(SUITES[suite]) == sorted(YahpoSurrogate(scenario, yahpo_data).instances)


def test_the_shipped_yahpo_portfolio_serves_yahpo_and_flags_its_tasks(yahpo_data):
    """Without --prior, the portfolio agents on YAHPO take the portfolio shipped for its space
    (all 119 tasks, so the run is flagged as not held out); on our env, ours as before."""
    from agents.base import run_agent
    from agents.registry import make_agent
    from agents.transfer.portfolio import DEFAULT_PORTFOLIO, YAHPO_PORTFOLIO, YAHPO_PORTFOLIOS, load_portfolio

    env = make_yahpo_env("31", yahpo_dir=yahpo_data)
    doc = load_portfolio(None, "yahpo:rbv2_xgboost/31", env.space)
    assert doc["path"] == str(YAHPO_PORTFOLIO) and len(doc["train"]["tasks"]) == 119
    assert load_portfolio(None, "wine", hpo_env.make_xgb_env("wine").space)["path"] == str(DEFAULT_PORTFOLIO)
    lcbench = gym.make("HPO-MLP-LCBench-v0", task="3945", yahpo_dir=yahpo_data).unwrapped
    doc_mlp = load_portfolio(None, "yahpo:lcbench/3945", lcbench.space)
    assert doc_mlp["path"] == str(YAHPO_PORTFOLIOS["lcbench"]) and len(doc_mlp["train"]["tasks"]) == 35
    with pytest.warns(UserWarning, match="no held-out result"):
        res = run_agent(make_agent("portfolio-tpe"), env, 12, seed=0)
    assert res.extra == {"portfolio": str(YAHPO_PORTFOLIO), "prior_saw_task": True}
    assert [r["config"] for r in env.history.records[:10]] == [pytest.approx(c) for c in doc["configs"]]


def test_predictions_that_contradict_themselves_are_failures(yahpo_data):
    # On task 6 the surrogate predicts log-loss ~0 with Brier ~2 for this dart configuration:
    # YAHPO's data code failed runs so. Taken at face value it would be the task's best score.
    config = {"booster": "dart", "alpha": 1.1617, "lambda": 0.11306, "nrounds": 2890, "num.impute.selected.cpo":
              "impute.mean", "subsample": 0.26444, "colsample_bylevel": 0.88130, "colsample_bytree": 0.81421,
              "eta": 0.097806, "gamma": 4.4860, "max_depth": 14, "min_child_weight": 54.217, "rate_drop": 0.86070,
              "skip_drop": 0.24715}  # fmt: skip
    env = make_yahpo_env("6", yahpo_dir=yahpo_data)
    y = env.objective.surrogate.predict({**config, **env.objective.fixed})
    assert y["logloss"] < 1e-6 and y["brier"] > 1.0
    info = env.evaluate(config)
    assert info["error"].startswith("the surrogate predicts log-loss near 0") and info["val_score"] == -10.0
    assert env.history.incumbent is None  # a failure is never the incumbent


def test_partial_evaluations_at_a_fraction_of_trainsize_or_epochs(yahpo_data):
    env = make_yahpo_env("31", yahpo_dir=yahpo_data).unwrapped
    config = _defaults(env)
    full = env.evaluate(config)
    half = env.evaluate_many([config], fidelity=Fidelity(data=0.5))[0]
    rec = env.history.records[-1]
    assert rec["fidelity"] == {"rounds": 1.0, "data": 0.5} and 0 < rec["cost"] < 1
    assert half["val_score"] != full["val_score"] and env.history.incumbent["n"] == 0  # never the incumbent
    # A reporter that stops at the second rung: two predictions, each training-set size a new fit.
    env.evaluate_many([{**config, "eta": 0.5}], report=lambda step, score: step == 3)
    rec = env.history.records[-1]
    assert rec["pruned"] and [p[0] for p in rec["curve"]] == [1, 3] and rec["test_score"] is None
    # Epochs continue: a run through every rung costs one full evaluation there.
    lc = make_yahpo_env("3945", scenario="lcbench", yahpo_dir=yahpo_data).unwrapped
    lc.evaluate_many([_defaults(lc)], report=lambda step, score: False)
    rec = lc.history.records[-1]
    assert [p[0] for p in rec["curve"]] == [1, 3, 9, 27] and rec["cost"] == 1.0 and not rec.get("pruned")


def test_multi_fidelity_agents_run_on_yahpo_and_count_the_rung_refits(yahpo_data):
    from benchmarks.runner import run_one

    line = run_one("tpe-hyperband", "31", 0, 10, env_id="HPO-XGB-YAHPO-v0", env_kwargs={"yahpo_dir": str(yahpo_data)})
    assert line["n_pruned"] > 0 and line["full_evals"] >= 10 and line["n_real_evals"] > line["n_pruned"]
    assert line["best_val"] == max(s[2] for s in line["trajectory"] if s[2] is not None)
    # Pruned evaluations hold no scores by metric and never count: the run reads under any metric.
    assert set(line["by_metric"]) == {"logloss", "acc", "bac", "auc", "f1", "brier"}
    assert line["by_metric"]["logloss"][-1][2] == line["best_val"]


def test_syne_tunes_bounding_box_searches_inside_the_box_of_the_held_out_tasks_bests(yahpo_data, tmp_path):
    """``synetune-bb`` learns from the fold portfolio's pool (never the task): every proposal
    lies in the box of the training tasks' best candidates, computed here from the pool."""
    from agents.base import run_agent
    from agents.prior.yahpo import build_yahpo_folds
    from agents.registry import make_agent
    from agents.transfer.adaptive import TransferPool, pool_path
    from agents.transfer.portfolio import load_portfolio
    from hpo_env.spaces import Categorical

    build_yahpo_folds(tmp_path, folds=3, k=4, candidates=60, yahpo_dir=yahpo_data)
    env = make_yahpo_env("31", yahpo_dir=yahpo_data)
    pool = TransferPool.load(pool_path(load_portfolio(tmp_path, "yahpo:rbv2_xgboost/31", env.space)["path"]))
    bests = pool.actions[pool.percentiles.argmax(axis=0)]
    res = run_agent(make_agent("synetune-bb", prior=str(tmp_path)), env, 12, seed=0)
    assert res.extra["prior_saw_task"] is False and len(env.history.records) == 12
    for i, hp in enumerate(env.space):
        seen = [hp.decode(float(a)) for a in bests[:, i]]
        got = [r["config"][hp.name] for r in env.history.records if hp.name in r["config"]]
        if isinstance(hp, Categorical):
            assert set(got) <= set(seen), hp.name
        else:
            assert min(seen) - 1e-9 <= min(got) and max(got) <= max(seen) + 1e-9, hp.name
