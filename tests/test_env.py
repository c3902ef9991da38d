import json
import math

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import hpo_env
from hpo_env import Categorical, Float, FunctionObjective, HPOEnv, Int, OneStepWrapper, SearchSpace, xgboost_space

TERMINAL_KEYS = {
    "config", "val_score", "test_score", "eval_seconds", "error", "timed_out",
    "cached", "real", "n_real_evals", "incumbent",
}  # fmt: skip


def play(env, actions):
    obs, info = env.reset()
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(np.array([a], np.float32))
    assert terminated and not truncated
    return reward, info


def test_registered_and_passes_both_env_checkers():
    env = gym.make("HPO-XGB-v0", task="iris")
    gym_check_env(env.unwrapped)
    sb3_check_env(hpo_env.make_xgb_env("iris"))
    reward, info = play(env, np.zeros(9))  # through gym.make's own wrappers too
    assert info["real"] and reward > 0.5


def test_observation_is_previous_action_and_next_one_hot():
    env = hpo_env.make_xgb_env("iris")
    obs, _ = env.reset(seed=0)
    assert obs.tolist() == [0.0, 1.0] + [0.0] * 8
    obs, r, term, _, _ = env.step(np.array([0.5], np.float32))
    assert obs[0] == pytest.approx(0.5) and obs[2] == 1.0 and obs[1:].sum() == 1 and r == 0 and not term


def test_random_episode_on_pmlb_adult(data_dir):
    env = gym.make("HPO-XGB-v0", task="pmlb:adult", data_dir=data_dir)
    rng = np.random.default_rng(0)
    reward, info = play(env, rng.uniform(-1, 1, 9))
    assert 0.0 <= reward <= 1.0 and reward > 0.7
    assert set(info) == TERMINAL_KEYS
    assert info["error"] is None and info["real"] and info["n_real_evals"] == 1
    assert 0.7 < info["test_score"] <= 1.0 and info["eval_seconds"] > 0
    assert info["incumbent"]["config"] == info["config"]
    assert set(info["config"]) == set(xgboost_space().names)


def test_csv_task_with_text_columns_trains(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    color = rng.choice(["red", "green", "blue"], n)
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "color": color, "label": np.where((color == "red") ^ (x > 0), "a", "b")})
    df.to_csv(tmp_path / "d.csv", index=False)
    env = hpo_env.make_xgb_env(f"csv:{tmp_path / 'd.csv'}", target="label")
    # a deep, long-trained model should learn the xor of the text and numeric column
    cfg = {**xgboost_space().sample(rng), "learning_rate": 0.3, "max_depth": 4, "min_child_weight": 1.0,
           "reg_lambda": 1e-3, "reg_alpha": 1e-3, "gamma": 1e-3, "n_estimators": 100,
           "subsample": 1.0, "colsample_bytree": 1.0}  # fmt: skip
    reward, info = play(env, env.space.encode(cfg))
    assert info["error"] is None and reward > 0.9


def test_all_metrics_score_a_real_model():
    for metric in hpo_env.METRICS:
        env = hpo_env.make_xgb_env("wine", metric=metric)
        reward, info = play(env, np.zeros(9))
        assert info["error"] is None and math.isfinite(reward)
        assert (reward < 0) if metric == "neg_log_loss" else (0.5 < reward <= 1.0)


def test_xgboost_failure_is_a_penalty_not_a_crash():
    space = SearchSpace([Float("learning_rate", 0.01, 1.0), Categorical("booster", ("no_such_booster",))])
    env = hpo_env.make_xgb_env("iris", space=space)
    reward, info = play(env, [0.0, 0.0])
    assert reward == env.objective.failure_score == 0.0
    assert "no_such_booster" in info["error"] and not info["timed_out"]
    assert env.history.incumbent is None and env.n_real_evals == 1
    reward, info = play(env, [0.5, 0.0])  # the env goes on
    assert info["n_real_evals"] == 2


def test_timeout_stops_xgboost_and_is_recorded():
    space = SearchSpace([Int("n_estimators", 100000, 100001), Int("max_depth", 8, 9)])
    env = hpo_env.make_xgb_env("digits", space=space, time_limit=0.3)
    reward, info = play(env, [0.0, 0.0])
    assert info["timed_out"] and "timed out" in info["error"]
    assert reward == 0.0 and 0.3 <= info["eval_seconds"] < 10.0
    # time-outs are not cached: the same configuration runs again
    _, info = play(env, [0.0, 0.0])
    assert info["real"] and info["n_real_evals"] == 2


def test_nan_score_and_exception_from_any_objective_are_failures():
    space = SearchSpace([Float("x", 0.0, 1.0)])

    def fn(cfg):
        if cfg["x"] > 0.5:
            raise RuntimeError("boom")
        return float("nan")

    env = HPOEnv(FunctionObjective(fn, space, failure_score=-1.0))
    r1, i1 = play(env, [-0.5])
    r2, i2 = play(env, [0.5])
    assert r1 == r2 == -1.0
    assert "non-finite" in i1["error"] and i2["error"] == "RuntimeError: boom"


def test_bad_actions_are_refused():
    env = hpo_env.make_xgb_env("iris")
    env.reset()
    with pytest.raises(ValueError, match="'learning_rate' is NaN"):
        env.step(np.array([np.nan], np.float32))
    with pytest.raises(ValueError, match=r"shape \(1,\), got shape \(2,\)"):
        env.step(np.zeros(2, np.float32))


def test_cache_serves_repeated_configurations():
    env = hpo_env.make_xgb_env("iris")
    _, first = play(env, np.zeros(9))
    _, again = play(env, np.zeros(9))
    assert again["cached"] and not again["real"] and again["n_real_evals"] == 1
    assert again["val_score"] == first["val_score"]


def test_shuffled_order_visits_each_hyperparameter_once():
    space = SearchSpace([Float(n, 0.0, 1.0) for n in "abcde"])
    env = HPOEnv(FunctionObjective(lambda c: c["a"] - c["e"], space), order="shuffle")
    orders = set()
    for seed in range(6):
        obs, info = env.reset(seed=seed)
        seen = [int(np.argmax(obs[1:]))]
        for _ in range(4):
            obs, *_ = env.step(np.array([0.0], np.float32))
            seen.append(int(np.argmax(obs[1:])))
        assert sorted(seen) == list(range(5)) and seen == info["order"]
        orders.add(tuple(seen))
    assert len(orders) > 1
    # the value lands on the hyperparameter the observation named, whatever the order
    obs, info = env.reset(seed=1)
    acts = {i: (1.0 if i == 0 else -1.0) for i in range(5)}
    for i in info["order"]:
        *_, info_t = env.step(np.array([acts[i]], np.float32))
    assert info_t["config"]["a"] == 1.0 and info_t["config"]["e"] == 0.0


def test_explicit_order_and_bad_order():
    space = SearchSpace([Float(n, 0.0, 1.0) for n in "abc"])
    env = HPOEnv(FunctionObjective(lambda c: c["a"], space), order=["c", "b", "a"])
    obs, _ = env.reset()
    assert obs[3] == 1.0
    with pytest.raises(ValueError, match="must name each hyperparameter once"):
        HPOEnv(FunctionObjective(lambda c: c["a"], space), order=["a", "b"])


def test_history_appends_jsonl_and_resumes(tmp_path):
    path = tmp_path / "h.jsonl"
    env = hpo_env.make_xgb_env("iris", history_path=path)
    rng = np.random.default_rng(0)
    for _ in range(3):
        play(env, rng.uniform(-1, 1, 9))
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["n"] for x in lines] == [0, 1, 2] and "val_score" in lines[0]
    env.close()
    with open(path, "a") as fh:  # a torn line from an interrupted write
        fh.write('{"n": 3, "con')
    resumed = hpo_env.make_xgb_env("iris", history_path=path)
    assert resumed.n_real_evals == 3
    assert resumed.history.incumbent["val_score"] == max(x["val_score"] for x in lines)
    _, info = play(resumed, env.space.encode(lines[0]["config"]))
    assert info["cached"]
    play(resumed, rng.uniform(-1, 1, 9))
    resumed.close()
    ns = [json.loads(x)["n"] for x in path.read_text().splitlines() if x.startswith("{") and x.endswith("}")]
    assert ns == [0, 1, 2, 3]


def test_one_step_wrapper_plays_a_whole_episode():
    env = OneStepWrapper(hpo_env.make_xgb_env("iris", order="shuffle"))
    sb3_check_env(env)
    env.reset(seed=0)
    cfg = {**xgboost_space().sample(np.random.default_rng(2)), "min_child_weight": 1.0, "learning_rate": 0.3}
    _, reward, term, _, info = env.step(env.unwrapped.space.encode(cfg))
    assert term and info["config"] == pytest.approx(cfg) and reward > 0.5


def test_cv_folds_average_over_folds_and_score_test_with_all_fold_models():
    env = hpo_env.make_xgb_env("wine", cv_folds=3)
    reward, info = play(env, np.zeros(9))
    assert len(env.objective.task.splits) == 3
    assert info["error"] is None and 0.8 < reward <= 1.0 and 0.8 < info["test_score"] <= 1.0
