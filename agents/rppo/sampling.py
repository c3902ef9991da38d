"""Whole episodes of a recurrent policy, many side by side, without stepping an env.

An :class:`~hpo_env.env.HPOEnv` observation depends only on the previous action and the
step (:meth:`~hpo_env.env.HPOEnv.observation`), so m episodes can be laid out, or
sampled, as one batch: one LSTM call per step instead of m * n_hp single steps. Used to
fit a policy to given configurations (behaviour cloning) and to draw many candidate
configurations for the reward model to screen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch as th

__all__ = ["episode_observations", "sample_actions"]


def episode_observations(env: Any, actions: np.ndarray) -> np.ndarray:
    """The observations (m, n_hp, obs_dim) an :class:`~hpo_env.env.HPOEnv` shows while
    ``actions`` (m, n_hp, in space order) are played in its current order."""
    steps = [env.observation(np.zeros(len(actions)), 0)]
    steps += [env.observation(actions[:, env.order[t - 1]], t) for t in range(1, env.n_hyperparameters)]
    return np.stack(steps, axis=1)


def sample_actions(policy: Any, env: Any, m: int) -> np.ndarray:
    """``m`` episodes sampled from a recurrent ``policy`` (sb3-contrib's, one action per
    step) in ``env``'s current order: their actions (m, n_hp) in space order, in [-1, 1].

    Draws from torch's global generator, which the policy's seed sets.
    """
    n_hp = env.n_hyperparameters
    lstm = policy.lstm_actor
    zeros = th.zeros(lstm.num_layers, m, lstm.hidden_size)
    state: tuple[th.Tensor, th.Tensor] = (zeros, zeros)
    starts = th.ones(m)
    actions = np.zeros((m, n_hp))
    prev = np.zeros(m)
    with th.no_grad():
        for t in range(n_hp):
            obs = th.as_tensor(env.observation(prev, t))
            dist, state = policy.get_distribution(obs, state, starts)
            prev = dist.get_actions(deterministic=False).numpy().reshape(m).clip(-1.0, 1.0)
            actions[:, env.order[t]] = prev
            starts = th.zeros(m)
    return actions
