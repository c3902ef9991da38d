"""Task meta-features, and the env's observation option that carries them."""

import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env

import hpo_env
from agents.base import play_episode
from hpo_env.meta_features import META_FEATURES, meta_features


def odd_tasks():
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 3, n)
    one_feature = hpo_env.load_task("one_feature", X=rng.normal(size=(n, 1)) + y[:, None], y=y)
    dominant = np.r_[np.zeros(288, int), np.ones(12, int)]
    one_dominant = hpo_env.load_task("dominant", X=rng.normal(size=(n, 4)), y=dominant)
    text = pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n), "size": rng.normal(size=n),
        "city": rng.choice(["a", "b"], n), "gap": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
    })  # fmt: skip
    text_columns = hpo_env.load_task("text", X=text, y=(text["colour"] == "red").astype(int))
    return {"one_feature": one_feature, "one_dominant_class": one_dominant, "text_columns": text_columns,
            "breast_cancer": hpo_env.load_task("breast_cancer")}  # fmt: skip


@pytest.mark.parametrize("name", ["one_feature", "one_dominant_class", "text_columns", "breast_cancer"])
def test_meta_features_are_deterministic_finite_and_in_range(name):
    task = odd_tasks()[name]
    a, b = meta_features(task), meta_features(task)
    assert a.shape == (len(META_FEATURES),) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all()


def test_meta_features_describe_the_data():
    f = {name: dict(zip(META_FEATURES, meta_features(t), strict=True)) for name, t in odd_tasks().items()}
    assert f["one_dominant_class"]["minority_share"] < 0.2 < f["one_feature"]["minority_share"]
    assert f["one_dominant_class"]["majority_rate"] > 0.9
    assert f["text_columns"]["categorical_share"] == pytest.approx(0.5)  # colour and city of 4 columns
    assert f["text_columns"]["stump_accuracy"] > 0.95  # the label is one of the columns
    assert f["breast_cancer"]["log_features"] > f["one_feature"]["log_features"] == 0.0


def test_sampled_large_data_stays_deterministic():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6000, 3)), rng.integers(0, 2, 6000)
    task = hpo_env.load_task("big", X=X, y=y)
    np.testing.assert_array_equal(meta_features(task, max_rows=500), meta_features(task, max_rows=500))


def test_env_observation_carries_the_meta_features_only_when_asked():
    plain = hpo_env.make_xgb_env("iris")
    env = hpo_env.make_xgb_env("iris", meta_features=True)
    n, c = env.n_hyperparameters, len(META_FEATURES)
    assert plain.observation_space.shape == (1 + n,) and env.observation_space.shape == (1 + n + c,)
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    ctx = meta_features(env.objective.task)
    seen = [obs]
    for _ in range(n):
        obs, *_ = env.step(np.array([0.3], np.float32))
        seen.append(obs)
    assert all(np.array_equal(o[1 + n :], ctx) for o in seen)  # fixed for the episode
    reward, _ = play_episode(env, np.zeros(n))
    assert 0 <= reward <= 1


def test_bad_context_is_refused():
    objective = hpo_env.make_xgb_env("iris").objective
    with pytest.raises(ValueError, match=r"context=\[0.5, nan\]"):
        hpo_env.HPOEnv(objective, context=[0.5, float("nan")])
