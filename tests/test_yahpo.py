"""YAHPO Gym's surrogates as envs: the ONNX reader against the package's own outputs, the
conditional episode, and the checkers. Each prediction takes a fraction of a millisecond."""

import json

import gymnasium as gym
import numpy as np
import pytest

import hpo_env
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
