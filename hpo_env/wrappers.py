"""Wrappers that change how an agent talks to :class:`~hpo_env.env.HPOEnv`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hpo_env.env import step_through

__all__ = ["ModelRewardWrapper", "OneStepWrapper"]


class OneStepWrapper(gym.Wrapper):
    """All hyperparameters in one step: the paper's structure ablation.

    The action is ``Box(-1, 1, (n,))`` in search-space order; the observation is a
    constant zero vector of length 1 (there is nothing to condition on). One step
    plays the whole inner episode, so history, cache and ``info`` are the inner env's.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        n = env.unwrapped.n_hyperparameters
        self.action_space = spaces.Box(-1.0, 1.0, (n,), np.float32)
        self.observation_space = spaces.Box(-1.0, 1.0, (1,), np.float32)

    def reset(self, **kwargs: Any):
        _, info = self.env.reset(**kwargs)
        return np.zeros(1, np.float32), info

    def step(self, action: np.ndarray):
        a = np.asarray(action, dtype=np.float64).reshape(-1)
        n = self.action_space.shape[0]
        if a.shape != (n,):
            raise ValueError(f"expected {n} actions (one per hyperparameter), got shape {np.shape(action)}")
        if np.isnan(a).any():
            raise ValueError(f"NaN in actions {a.tolist()}; expected numbers in [-1, 1]")
        # The inner env asks for hyperparameters in its episode order; answer each from the vector.
        reward, info = step_through(self.env, a)
        return np.zeros(1, np.float32), reward, True, False, info


class ModelRewardWrapper(gym.Wrapper):
    """Answers the final step with a learned reward model instead of training, when told to.

    In ``"real"`` mode every step goes to the env: configurations are really trained and
    recorded in ``env.history``, the model's only data. In ``"model"`` mode the final
    step is answered by the model's predicted mean score: nothing is trained, nothing
    enters the history, the cache or the incumbent, and ``info["model"]`` is True with
    ``info["real"]`` False, so no budget counts it. The terminal ``info`` has the same
    keys in both modes, plus ``model`` and ``model_std``.

    Whoever controls the agent's training switches modes (``set_mode``) and refits the
    model (``refit``), e.g. :class:`agents.rppo.model_control.KLModelControlCallback`.

    Args:
        env: an :class:`~hpo_env.env.HPOEnv`, possibly wrapped.
        model: a :class:`~hpo_env.reward_models.RewardModel` or its name.
        keep_episodes: observation sequences of this many recent real episodes are kept
            (``recent_real_observations``), to measure how far the policy moved.
    """

    def __init__(self, env: gym.Env, model: Any = None, keep_episodes: int = 64, seed: int = 0) -> None:
        from hpo_env.reward_models import DEFAULT_REWARD_MODEL, make_reward_model

        super().__init__(env)
        self.model = make_reward_model(model if model is not None else DEFAULT_REWARD_MODEL, seed=seed)
        self.mode = "real"
        self.fitted_on = 0
        self.n_model_episodes = 0
        self.keep_episodes = keep_episodes
        self._episode_obs: list[np.ndarray] = []
        self._recent: list[np.ndarray] = []

    def set_mode(self, mode: str) -> None:
        if mode not in ("real", "model"):
            raise ValueError(f"mode={mode!r}; expected 'real' or 'model'")
        if mode == "model" and self.fitted_on == 0:
            raise RuntimeError("refit() the reward model on real evaluations before entering model mode")
        self.mode = mode

    def refit(self) -> int:
        """Fit the model on all successful real evaluations so far; returns how many."""
        from hpo_env.reward_models import history_dataset

        base = self.env.unwrapped
        X, y = history_dataset(base.space, base.history.records)
        if len(y) < 2:
            return 0
        self.model.fit(X, y)
        self.fitted_on = len(y)
        return self.fitted_on

    def predict(self, configs: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """The model's mean and spread of the score of each configuration."""
        space = self.env.unwrapped.space
        return self.model.predict(np.stack([space.encode(c) for c in configs]))

    def predict_actions(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict` of the configurations that the rows of ``actions`` (m, n, space
        order) decode to, without building them (many candidates at once)."""
        return self.model.predict(self.env.unwrapped.space.round_trip(actions))

    def recent_real_observations(self) -> list[np.ndarray]:
        """Observation sequences (n_steps, obs_dim) of the most recent real episodes."""
        return list(self._recent)

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._episode_obs = [obs]
        return obs, info

    def step(self, action: np.ndarray):
        base = self.env.unwrapped
        if self.mode == "real":
            obs, reward, terminated, truncated, info = self.env.step(action)
            if terminated:
                self._recent.append(np.stack(self._episode_obs))
                del self._recent[: -self.keep_episodes]
                info = {**info, "model": False, "model_std": None}
            else:
                self._episode_obs.append(obs)
            return obs, reward, terminated, truncated, info
        obs, config = base.advance(action)
        if config is None:
            self._episode_obs.append(obs)
            return obs, 0.0, False, False, {}
        mu, sd = self.predict([config])
        self.n_model_episodes += 1
        predicted = {"config": config, "val_score": float(mu[0]), "test_score": None, "seconds": 0.0,
                     "error": None, "timed_out": False}  # fmt: skip
        info = base.terminal_info(predicted, cached=False, model_std=float(sd[0]))
        return obs, base.objective.reward(float(mu[0])), True, False, info
