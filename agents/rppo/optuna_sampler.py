"""The paper's recurrent agent as an Optuna sampler: each ``suggest_*`` call is one policy step.

Optuna drives the loop, so the roles of a Gymnasium episode are inverted: a trial *is*
an episode. Each ``suggest_*`` of the trial asks the policy for one action, with the
observation the env would give (the previous action, and a one-hot slot of the
parameter asked for next), and the LSTM state carried from the trial's previous
suggestion. The trial's value is the terminal reward. Finished trials are packed into a
rollout buffer and trained on with sb3-contrib's RecurrentPPO update, so define-by-run
and conditional spaces work, parallel trials each keep their own LSTM state, and
learning happens as trials finish. With ``model_based=True`` each update is followed by
a KL-bounded stretch of training on a reward model fitted to the finished trials (the
paper's loop).

Because Ray Tune's ``OptunaSearch`` takes any Optuna sampler, Ray Tune users get the
same agent: ``OptunaSearch(sampler=RecurrentPPOSampler(), metric=..., mode=...)``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from agents.rppo.presets import ModelSettings, PPOSettings
from hpo_env.adapters import OptunaParam

__all__ = ["RecurrentPPOSampler"]


class _SpacesOnly(gym.Env):
    """RecurrentPPO wants an env for its spaces; the sampler's episodes are Optuna trials."""

    def __init__(self, observation_space: spaces.Box, action_space: spaces.Box) -> None:
        self.observation_space, self.action_space = observation_space, action_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return np.zeros(self.observation_space.shape, np.float32), {}

    def step(self, action):
        raise RuntimeError("the sampler plays its episodes through Optuna trials, not env.step")


@dataclass
class _Step:
    obs: np.ndarray
    action: np.ndarray
    value: th.Tensor
    log_prob: th.Tensor
    lstm: Any  # RNNStates before this step
    start: float  # 1.0 on an episode's first step
    reward: float = 0.0


@dataclass
class _Episode:
    state: Any  # RNNStates after the last step
    prev_action: float = 0.0
    steps: list[_Step] = field(default_factory=list)


class RecurrentPPOSampler(BaseSampler):
    """An Optuna sampler driven by the paper's recurrent PPO agent (:class:`~agents.rppo.policy.HPORecurrentPolicy`).

    Args:
        seed: seeds the policy's weights and its action samples.
        max_params: one-hot slots of the observation; parameter names get a slot in the
            order first seen. A study with more distinct parameter names is refused.
        episodes_per_update: finished trials per PPO update.
        ppo_kwargs: replace fields of :class:`~agents.rppo.presets.PPOSettings` (lr 0.007, gamma 1...).
        policy_kwargs: override :func:`agents.rppo.policy.default_policy_kwargs` (the paper's net).
        failure_reward: reward of a failed trial (an exception, or a NaN value). Default:
            the worst reward seen so far (0 before any), so a failure teaches "no better
            than the worst".
        model_based: after each real update, train on a reward model of the finished
            trials for one :class:`~agents.rppo.model_control.ModelStretch` (until the
            policy's KL from before the stretch passes the threshold: the paper's loop).
        model: the model's :class:`~agents.rppo.presets.ModelSettings` (``reward_model``,
            ``kl_threshold``, ``max_model_updates``, ``min_real_evals`` finished trials
            before the first fit...; default: its defaults). Not ``screen``: a trial's
            parameters come one ``suggest_*`` call at a time, so there is no whole
            candidate for the model to screen, and a setting that asks for it is refused.
        tensorboard_log: a directory for TensorBoard logs of the updates, or None.
        torch_threads: torch CPU threads to use (the net is tiny: more threads only
            contend with the trials' own work); None leaves torch's setting alone.

    A pruned trial's reward is its last reported intermediate value (the failure reward
    if it reported none). Minimised studies are learned as the negated value.
    """

    def __init__(
        self,
        seed: int | None = None,
        max_params: int = 32,
        episodes_per_update: int = 8,
        ppo_kwargs: dict[str, Any] | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        failure_reward: float | None = None,
        model_based: bool = False,
        model: ModelSettings | None = None,
        tensorboard_log: str | None = None,
        torch_threads: int | None = 1,
    ) -> None:
        from agents.rppo.model_control import ModelStretch
        from agents.rppo.policy import HPORecurrentPolicy, default_policy_kwargs

        if int(max_params) < 1 or int(episodes_per_update) < 1:
            raise ValueError(f"max_params={max_params!r} and episodes_per_update={episodes_per_update!r} must be >= 1")
        self.seed = 0 if seed is None else int(seed)
        self.max_params = int(max_params)
        self.episodes_per_update = int(episodes_per_update)
        self.failure_reward = failure_reward
        self.model_based = bool(model_based)
        self.model_settings = model or ModelSettings()
        if self.model_settings.screen:
            raise ValueError(f"RecurrentPPOSampler takes no screening: model screen={self.model_settings.screen!r}; "
                             "expected 0 (a trial's parameters come one suggest call at a time)")  # fmt: skip
        self._stretch = ModelStretch(self.model_settings)
        if torch_threads is not None:
            th.set_num_threads(int(torch_threads))
        ppo = PPOSettings().replace(**(ppo_kwargs or {})).sb3_kwargs()
        self._obs_space = spaces.Box(
            np.r_[-1.0, np.zeros(self.max_params)].astype(np.float32), np.ones(1 + self.max_params, np.float32)
        )
        self._act_space = spaces.Box(-1.0, 1.0, (1,), np.float32)
        self._model = self._build_model(HPORecurrentPolicy, {**default_policy_kwargs(), **(policy_kwargs or {})},
                                        ppo, tensorboard_log)  # fmt: skip
        self._slots: dict[str, int] = {}
        self._running: dict[int, _Episode] = {}
        self._finished: list[_Episode] = []
        self._real_obs: list[np.ndarray] = []  # the last 64 finished trials' observations (for the KL)
        self._worst: float | None = None
        self._lock = threading.RLock()
        self.n_updates = 0
        self.n_model_episodes = 0

    def __getstate__(self) -> dict[str, Any]:
        # Ray Tune checkpoints its searcher by pickling it; a lock cannot travel.
        return {**self.__dict__, "_lock": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- the policy -------------------------------------------------------------------------------

    def _build_model(self, policy_cls: type, pk: dict[str, Any], ppo: dict[str, Any], tb: str | None) -> Any:
        from sb3_contrib import RecurrentPPO
        from stable_baselines3.common.logger import Logger, TensorBoardOutputFormat

        n = self.episodes_per_update * 4
        env = _SpacesOnly(self._obs_space, self._act_space)
        model = RecurrentPPO(
            policy_cls, env, n_steps=n, batch_size=n, policy_kwargs=pk, seed=self.seed, device="cpu", **ppo
        )
        model.set_logger(Logger(tb, [TensorBoardOutputFormat(tb)] if tb else []))
        return model

    def _zero_state(self) -> Any:
        from sb3_contrib.common.recurrent.type_aliases import RNNStates

        lstm = self._model.policy.lstm_actor
        shape = (lstm.num_layers, 1, lstm.hidden_size)
        return RNNStates((th.zeros(shape), th.zeros(shape)), (th.zeros(shape), th.zeros(shape)))

    def _obs(self, prev_action: float, slot: int) -> np.ndarray:
        o = np.zeros(1 + self.max_params, np.float32)
        o[0] = prev_action
        o[1 + slot] = 1.0
        return o

    def _act(self, ep: _Episode, slot: int) -> float:
        """One policy step of episode ``ep``: sample an action and record the transition."""
        obs = self._obs(ep.prev_action, slot)
        start = 1.0 if not ep.steps else 0.0
        with th.no_grad():
            action, value, log_prob, state = self._model.policy(
                th.as_tensor(obs[None]), ep.state, th.tensor([start], dtype=th.float32)
            )
        a = action.cpu().numpy().reshape(1).astype(np.float32)
        ep.steps.append(_Step(obs, a, value, log_prob, ep.state, start))
        ep.state = state
        ep.prev_action = float(np.clip(a[0], -1.0, 1.0))
        return ep.prev_action

    def _slot(self, name: str) -> int:
        if name not in self._slots:
            if len(self._slots) >= self.max_params:
                raise ValueError(
                    f"parameter {name!r} would be the {len(self._slots) + 1}th distinct parameter; this sampler "
                    f"has max_params={self.max_params} observation slots. Create it with a larger max_params."
                )
            self._slots[name] = len(self._slots)
        return self._slots[name]

    def _update(self, episodes: list[_Episode]) -> None:
        """One RecurrentPPO update on whole episodes, in the order given."""
        from sb3_contrib.common.recurrent.buffers import RecurrentRolloutBuffer

        model = self._model
        steps = [s for ep in episodes for s in ep.steps]
        lstm = model.policy.lstm_actor
        buf = RecurrentRolloutBuffer(
            len(steps), self._obs_space, self._act_space, (len(steps), lstm.num_layers, 1, lstm.hidden_size),
            "cpu", gae_lambda=model.gae_lambda, gamma=model.gamma, n_envs=1,
        )  # fmt: skip
        for s in steps:
            buf.add(s.obs[None], s.action[None], np.array([s.reward], np.float32), np.array([s.start], np.float32),
                    s.value, s.log_prob, lstm_states=s.lstm)  # fmt: skip
        buf.compute_returns_and_advantage(last_values=th.zeros(1, 1), dones=np.array([1.0], np.float32))
        model.rollout_buffer, model.n_steps, model.batch_size = buf, len(steps), len(steps)
        model.train()
        self.n_updates += 1
        model.logger.dump(self.n_updates)

    # -- Optuna's sampler interface ---------------------------------------------------------------

    @staticmethod
    def _single_objective(study: Study) -> None:
        if len(study.directions) > 1:
            raise ValueError("RecurrentPPOSampler supports single-objective studies only")

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        return {}  # every parameter is one policy step, asked for by name (define-by-run)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._single_objective(study)
        return {}

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        self._single_objective(study)
        param = OptunaParam(param_name, param_distribution)
        if param.hp is None:  # one possible value: nothing to decide, no step
            return param.value(0.0)
        with self._lock:
            ep = self._running.setdefault(trial._trial_id, _Episode(self._zero_state()))
            action = self._act(ep, self._slot(param_name))
        return param.value(action)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Any) -> None:
        with self._lock:
            ep = self._running.pop(trial._trial_id, None)
            if ep is None or not ep.steps:
                return
            sign = -1.0 if study.direction == StudyDirection.MINIMIZE else 1.0
            reward = None
            if state == TrialState.COMPLETE and values and values[0] is not None and math.isfinite(values[0]):
                reward = sign * float(values[0])
            elif state == TrialState.PRUNED and trial.intermediate_values:
                last = trial.intermediate_values[max(trial.intermediate_values)]
                reward = sign * float(last) if math.isfinite(last) else None
            if reward is None:
                reward = self._failure()
            else:
                self._worst = reward if self._worst is None else min(self._worst, reward)
            ep.steps[-1].reward = reward
            self._finished.append(ep)
            self._real_obs = [*self._real_obs[-63:], np.stack([s.obs for s in ep.steps])]
            if len(self._finished) >= self.episodes_per_update:
                episodes, self._finished = self._finished, []
                self._update(episodes)
                if self.model_based:
                    self._model_stretch(study)

    def _failure(self) -> float:
        if self.failure_reward is not None:
            return float(self.failure_reward)
        return 0.0 if self._worst is None else self._worst

    # -- the paper's model-based stretch ------------------------------------------------------------

    @property
    def stretches(self) -> list[dict[str, float]]:
        """Each model stretch so far: its updates and the KL that ended it."""
        return self._stretch.stretches

    def _model_stretch(self, study: Study) -> None:
        """Train on a reward model of the finished trials for one KL-bounded :class:`ModelStretch`."""

        fitted = self._fit_model(study)
        if fitted is None:
            return
        model, slots, recent = fitted
        policy = self._model.policy
        self._stretch.begin(policy)
        done = False
        while not done:
            episodes = []
            for _ in range(self.episodes_per_update):
                ep = _Episode(self._zero_state())
                acts = [self._act(ep, s) for s in slots]
                ep.steps[-1].reward = float(model.predict(np.array([acts]))[0][0])
                episodes.append(ep)
            self._update(episodes)
            self.n_model_episodes += len(episodes)
            done = self._stretch.after_update(policy, recent)

    def _fit_model(self, study: Study) -> tuple[Any, list[int], list[np.ndarray]] | None:
        """The reward model fitted on the complete trials with the latest trial's parameters,
        their observation slots, and recent trials' observations to measure the KL on; None
        with fewer than ``min_real_evals`` such trials."""
        from hpo_env.reward_models import make_reward_model

        m = self.model_settings
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.params]
        if len(done) < m.min_real_evals:
            return None
        names = list(done[-1].distributions)  # the latest trial's parameters, in their order
        same = [t for t in done if list(t.distributions) == names]  # complete trials: each has a value
        params = [OptunaParam(n, done[-1].distributions[n]) for n in names]
        keep = [i for i, p in enumerate(params) if p.hp is not None]
        if len(same) < m.min_real_evals or not keep:
            return None
        sign = -1.0 if study.direction == StudyDirection.MINIMIZE else 1.0
        X = np.array([[params[i].action(t.params[names[i]]) for i in keep] for t in same])
        y = sign * np.array([t.values[0] for t in same], dtype=np.float64)
        model = make_reward_model(m.reward_model, seed=self.seed).fit(X, y)
        recent = [o for o in self._real_obs[-32:] if len(o) == len(keep)]
        return model, [self._slot(names[i]) for i in keep], recent
