"""The paper's agent: input embedding, a stacked LSTM, output embedding, a squashed Gaussian action.

Built on sb3-contrib's :class:`RecurrentActorCriticPolicy`, so RecurrentPPO trains it
unchanged, and every setting goes through ``policy_kwargs``.
"""

from __future__ import annotations

from typing import Any

import torch as th
from gymnasium import spaces
from sb3_contrib import RecurrentPPO
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
from stable_baselines3.common.distributions import Distribution, SquashedDiagGaussianDistribution
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.type_aliases import Schedule
from torch import nn

__all__ = ["EmbeddingExtractor", "HPORecurrentPPO", "HPORecurrentPolicy", "default_policy_kwargs"]


class EmbeddingExtractor(BaseFeaturesExtractor):
    """The input embedding layer: a linear map of the observation (previous action, next one-hot).

    Args:
        observation_space: a flat ``Box``.
        embedding_dim: output size (the paper: 2).
    """

    def __init__(self, observation_space: spaces.Box, embedding_dim: int = 2) -> None:
        super().__init__(observation_space, features_dim=int(embedding_dim))
        self.linear = nn.Linear(int(observation_space.shape[0]), int(embedding_dim))

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return self.linear(observations.float().flatten(1))


class HPORecurrentPolicy(RecurrentActorCriticPolicy):
    """Recurrent actor-critic for HPO episodes (Wu, Chen & Liu, 2020).

    observation -> input embedding -> LSTM (``n_lstm_layers`` x ``lstm_hidden_size``)
    -> output embedding (``net_arch``, one layer per head) -> Gaussian mean; the sample
    is squashed by tanh into [-1, 1], the env's action range. The value head has the
    same structure and its own LSTM.

    Args (all through ``policy_kwargs``; the rest are :class:`RecurrentActorCriticPolicy`'s):
        embedding_dim: size of the input embedding (paper: 2).
        output_embedding_dim: size of the output embedding layer after the LSTM
            (paper: 2). Ignored when ``net_arch`` is given.
        lstm_hidden_size: units per LSTM layer (paper: 35).
        n_lstm_layers: stacked LSTM layers (paper: 3).
        log_std_init: initial log standard deviation of the Gaussian before tanh. The
            default -0.5 keeps early samples inside the range instead of piling up at
            the bounds (a std of 1 before tanh sends a third of samples past +-0.95).
        min_log_std: floor of the log standard deviation, so the policy's spread cannot
            collapse to a single configuration. ``None`` disables it.
        state_dependent_std: add a linear head that sets the log standard deviation per
            step from the LSTM's output (plus the learned constant), so a policy can be
            sure of one hyperparameter and unsure of another. Off in the paper's agent;
            the meta-trained prior uses it (see :mod:`agents.prior`).
    """

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        lr_schedule: Schedule,
        *args: Any,
        embedding_dim: int = 2,
        output_embedding_dim: int = 2,
        lstm_hidden_size: int = 35,
        n_lstm_layers: int = 3,
        log_std_init: float = -0.5,
        min_log_std: float | None = -2.5,
        state_dependent_std: bool = False,
        net_arch: list[int] | dict[str, list[int]] | None = None,
        features_extractor_class: type[BaseFeaturesExtractor] = EmbeddingExtractor,
        features_extractor_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(action_space, spaces.Box) or not (
            (action_space.low == -1).all() and (action_space.high == 1).all()
        ):
            raise ValueError(f"HPORecurrentPolicy needs a Box(-1, 1) action space, got {action_space}")
        self.embedding_dim = embedding_dim
        self.output_embedding_dim = output_embedding_dim
        self.min_log_std = min_log_std
        self.state_dependent_std = bool(state_dependent_std)
        if net_arch is None:
            net_arch = {"pi": [output_embedding_dim], "vf": [output_embedding_dim]}
        if features_extractor_class is EmbeddingExtractor:
            features_extractor_kwargs = {"embedding_dim": embedding_dim, **(features_extractor_kwargs or {})}
        # The optimizer waits for its first use (``optimizer``); SB3 and sb3-contrib would build it here.
        optimizer_class = kwargs.pop("optimizer_class", th.optim.Adam)
        if kwargs.get("optimizer_kwargs") is None:  # SB3's default for Adam, which it sets only for Adam
            kwargs["optimizer_kwargs"] = {"eps": 1e-5} if optimizer_class is th.optim.Adam else {}
        super().__init__(
            observation_space,
            action_space,
            lr_schedule,
            *args,
            optimizer_class=_not_yet,
            net_arch=net_arch,
            log_std_init=log_std_init,
            features_extractor_class=features_extractor_class,
            features_extractor_kwargs=features_extractor_kwargs,
            lstm_hidden_size=lstm_hidden_size,
            n_lstm_layers=n_lstm_layers,
            **kwargs,
        )
        self.optimizer_class, self._initial_lr = optimizer_class, lr_schedule(1)
        # The samples are already in [-1, 1]; tell SB3 not to clip them again.
        self._squash_output = True

    def _build(self, lr_schedule: Schedule) -> None:
        # SB3 only squashes with gSDE; swap in the tanh-squashed Gaussian before the heads are built.
        self.action_dist = SquashedDiagGaussianDistribution(int(self.action_space.shape[0]))
        super()._build(lr_schedule)
        if self.state_dependent_std:
            self.log_std_net = nn.Linear(self.mlp_extractor.latent_dim_pi, int(self.action_space.shape[0]))
            nn.init.zeros_(self.log_std_net.weight)
            nn.init.zeros_(self.log_std_net.bias)

    @property
    def optimizer(self) -> th.optim.Optimizer:
        """The optimizer, built on first use (a PPO update, a save): a policy that only samples,
        as ``rppo-prior``'s, never builds one. torch's first optimizer in a process imports
        ``torch._dynamo``, which takes 1.5 to 3 s."""
        if self.__dict__.get("_optimizer") is None:
            self._optimizer = self.optimizer_class(self.parameters(), lr=self._initial_lr, **self.optimizer_kwargs)
        return self._optimizer

    @optimizer.setter
    def optimizer(self, value: th.optim.Optimizer | None) -> None:
        self._optimizer = value

    def _get_action_dist_from_latent(self, latent_pi: th.Tensor) -> Distribution:
        log_std = self.log_std
        if self.state_dependent_std:
            log_std = log_std + self.log_std_net(latent_pi)
        if self.min_log_std is not None:
            log_std = log_std.clamp(min=self.min_log_std)
        return self.action_dist.proba_distribution(self.action_net(latent_pi), log_std)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(
            embedding_dim=self.embedding_dim,
            output_embedding_dim=self.output_embedding_dim,
            lstm_hidden_size=self.lstm_output_dim,
            n_lstm_layers=self.lstm_actor.num_layers,
            min_log_std=self.min_log_std,
            state_dependent_std=self.state_dependent_std,
        )
        data.pop("squash_output", None)
        return data


class HPORecurrentPPO(RecurrentPPO):
    """sb3-contrib's RecurrentPPO, whose saves leave out an optimizer the policy never built
    (:attr:`HPORecurrentPolicy.optimizer`): saving ``rppo-prior``'s checkpoint, whose policy
    only samples, would otherwise build one. A save that holds an optimizer loads it as before."""

    def _get_torch_save_params(self) -> tuple[list[str], list[str]]:
        names, variables = super()._get_torch_save_params()
        if self.policy.__dict__.get("_optimizer") is None:
            names = [n for n in names if n != "policy.optimizer"]
        return names, variables

    def set_parameters(self, load_path_or_dict: Any, exact_match: bool = True, device: Any = "auto") -> None:
        if not isinstance(load_path_or_dict, dict):
            from stable_baselines3.common.save_util import load_from_zip_file

            _, load_path_or_dict, _ = load_from_zip_file(load_path_or_dict, device=device, load_data=False)
        if "policy.optimizer" in load_path_or_dict:
            _ = self.policy.optimizer  # built now, so the saved state is expected and loaded into it
        super().set_parameters(load_path_or_dict, exact_match=exact_match, device=device)


def _not_yet(*_: Any, **__: Any) -> None:
    """What SB3's ``_build`` gets in place of the optimizer class: no optimizer yet."""
    return None


def default_policy_kwargs() -> dict[str, Any]:
    """The paper's architecture, spelled out so runs report it."""
    return {
        "embedding_dim": 2,
        "output_embedding_dim": 2,
        "lstm_hidden_size": 35,
        "n_lstm_layers": 3,
        "log_std_init": -0.5,
        "min_log_std": -2.5,
    }
