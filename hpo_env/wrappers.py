"""Wrappers that change how an agent talks to :class:`~hpo_env.env.HPOEnv`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["OneStepWrapper"]


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
        for i in self.env.unwrapped.order.tolist():
            _, reward, terminated, truncated, info = self.env.step(a[i : i + 1])
        return np.zeros(1, np.float32), reward, terminated, truncated, info
