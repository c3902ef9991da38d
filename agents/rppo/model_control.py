"""KL-controlled use of the reward model (the paper's dynamic horizon), as an SB3 callback."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch as th
from stable_baselines3.common.callbacks import BaseCallback

from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.presets import ModelSettings
from agents.rppo.sampling import episode_observations, sample_actions
from hpo_env.wrappers import ModelRewardWrapper

__all__ = [
    "KLModelControlCallback",
    "ModelStretch",
    "expected_improvement",
    "policy_kl",
    "refit_due",
    "screened_proposal",
]


def policy_kl(old: Any, new: Any, sequences: list[np.ndarray]) -> float:
    """Mean KL(old || new) of two recurrent policies' action distributions over observation sequences.

    Each sequence is one episode's observations; both policies run their LSTM over it from
    a zero state. The KL is taken between the Gaussians before the tanh squashing (a
    bijection, so it is the KL of the squashed actions too), summed over action
    dimensions and averaged over all steps.
    """
    if not sequences:
        return 0.0
    by_length: dict[int, list[np.ndarray]] = {}
    for seq in sequences:  # a conditional space's episodes differ in length
        by_length.setdefault(seq.shape[0], []).append(seq)
    kls = [_kl_steps(old, new, group) for group in by_length.values()]
    return float(kls[0].mean()) if len(kls) == 1 else float(th.cat(kls).mean())


def _kl_steps(old: Any, new: Any, sequences: list[np.ndarray]) -> th.Tensor:
    """KL(old || new) at each step of equally long ``sequences``, run side by side."""
    k, n = len(sequences), sequences[0].shape[0]
    obs = th.as_tensor(np.concatenate(sequences), dtype=th.float32)
    starts = th.zeros(k * n)
    starts[::n] = 1.0
    dists = []
    with th.no_grad():
        for pol in (old, new):
            shape = (pol.lstm_actor.num_layers, k, pol.lstm_actor.hidden_size)
            state = (th.zeros(shape), th.zeros(shape))
            dist, _ = pol.get_distribution(obs, state, starts)
            dists.append(dist.distribution)
        return th.distributions.kl_divergence(dists[0], dists[1]).sum(-1)


def screened_proposal(
    policy: Any, wrapper: ModelRewardWrapper, m: int, acquisition: str = "mean", uniform_share: float = 0.0
) -> dict[str, Any]:
    """The configuration to evaluate next: of ``m`` episodes sampled from ``policy``, the
    one the fitted reward model scores highest among those not yet evaluated (a uniform
    random configuration if all are, as from a collapsed policy).

    The policy proposes where to look and the model picks within it: one real evaluation
    then tests the model's best guess inside the policy's current spread, which a single
    sample of a half-trained policy rarely is. ``acquisition`` and ``uniform_share`` are
    :class:`~agents.rppo.presets.ModelSettings`' fields of those names.
    """
    base = wrapper.env.unwrapped
    n_uniform = round(uniform_share * int(m))
    actions = sample_actions(policy, base, int(m) - n_uniform)
    if n_uniform:
        actions = np.concatenate([actions, base.np_random.uniform(-1.0, 1.0, (n_uniform, len(base.space)))])
    mu, sd = wrapper.predict_actions(actions)
    if acquisition == "ei":
        inc = base.history.incumbent
        mu = expected_improvement(mu, sd, -np.inf if inc is None else inc["val_score"])
    for i in np.argsort(-mu, kind="stable"):
        config = base.space.decode(actions[i])
        if base.history.lookup(config) is None:
            return config
    return base.space.decode(base.np_random.uniform(-1.0, 1.0, len(base.space)))


def refit_due(n: int, fit_at: int, growth: float) -> bool:
    """Whether a reward model fit on ``fit_at`` real evaluations is due a refit at ``n``: once
    they have grown by the fraction ``growth`` (:attr:`ModelSettings.refit_growth`), by one at least."""
    return n >= max(fit_at + 1, fit_at * (1.0 + growth))


def expected_improvement(mu: np.ndarray, sd: np.ndarray, best: float) -> np.ndarray:
    """E[max(score - best, 0)] under Normal(mu, sd) per candidate (mu - best where sd is 0)."""
    from scipy.special import ndtr

    gap, sd = mu - best, np.maximum(sd, 1e-12)
    z = gap / sd
    return np.where(sd > 1e-12, gap * ndtr(z) + sd * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi), np.maximum(gap, 0))


class ModelStretch:
    """One stretch of training on the reward model, bounded by the policy's KL from where it
    began: the paper's dynamic horizon, used by :class:`KLModelControlCallback` and by
    :class:`~agents.rppo.optuna_sampler.RecurrentPPOSampler` alike.

    :meth:`begin` snapshots the policy; after each update, :meth:`after_update` measures the
    mean KL between the snapshot and the policy on recent real episodes' observations and
    says whether the stretch is over: the KL passed ``kl_threshold`` (``horizon="kl"``), or
    ``fixed_updates`` updates were made (``horizon="fixed"``), or ``max_model_updates``.
    With no observation to measure on, a stretch ends after its first update.

    Args:
        settings: the :class:`~agents.rppo.presets.ModelSettings` to read the horizon from.
    """

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self.snapshot: Any = None
        self.updates = 0
        self.last_kl = 0.0
        self.stretches: list[dict[str, float]] = []

    def begin(self, policy: Any) -> None:
        """Snapshot ``policy``: a second policy of the same build with the current weights
        (deepcopy fails on the non-leaf tensors a policy keeps from its last forward pass)."""
        if self.snapshot is None:
            self.snapshot = type(policy)(**policy._get_constructor_parameters())
        self.snapshot.load_state_dict(copy.deepcopy(policy.state_dict()))
        self.snapshot.set_training_mode(False)
        self.updates = 0

    def after_update(self, policy: Any, sequences: list[np.ndarray]) -> bool:
        """Count one update; True (and the stretch recorded) when the stretch is over."""
        s = self.settings
        self.updates += 1
        self.last_kl = policy_kl(self.snapshot, policy, sequences) if sequences else float("inf")
        done = (
            (s.horizon == "kl" and self.last_kl > s.kl_threshold)
            or (s.horizon == "fixed" and self.updates >= s.fixed_updates)
            or self.updates >= s.max_model_updates
        )
        if done:
            self.stretches.append({"updates": self.updates, "kl": self.last_kl})
        return done


class KLModelControlCallback(BaseCallback):
    """Alternates real evaluations and stretches of model-based training; the KL ends each stretch.

    The cycle: real episodes -> after ``real_episodes_per_cycle`` of them (and at least
    ``min_real_evals`` in total) refit the model, snapshot the policy and switch to model
    mode -> after every PPO update in model mode measure the mean KL between the
    snapshot and the current policy on recent real observations -> once it passes
    ``kl_threshold`` (``horizon="kl"``, the paper's dynamic horizon) or after
    ``fixed_updates`` updates (``horizon="fixed"``), switch back to real mode.

    Switches happen at rollout starts, which are episode boundaries (``n_steps`` is a
    whole number of episodes), so no episode mixes modes.

    With ``screen=m`` (off by default, the paper's loop), the real evaluations between
    stretches are not the policy's own samples: each is the best of ``m`` samples by the
    model (:func:`screened_proposal`). The model is refit after each, or once the history
    has grown by ``refit_growth``. PPO then learns from the model alone, and the policy
    serves as the distribution the model searches in. The KL is then measured on the last
    real configurations' episodes. The callback then makes no evaluation itself: the
    :class:`~agents.rppo.tuner.Tuner` runs PPO one update per ``learn`` call and, between
    two, calls :meth:`between_updates` and makes the :meth:`screened_evaluations` it asks for.

    A preset that screens and never fine-tunes (``finetune=False``, ``rppo-prior``) makes no
    PPO update, so it runs without this callback, as a proposer
    (:class:`~agents.prior.screened.ScreenedPriorProposer`).

    TensorBoard: ``model/mode`` (1 = model), ``model/kl``, ``model/horizon`` (updates in
    the last stretch), ``model/abs_error`` (the model's error on the next real
    evaluations, before it sees them), ``model/n_fit``.

    Args:
        wrapper: the :class:`ModelRewardWrapper` the agent trains on.
        settings: the :class:`~agents.rppo.presets.ModelSettings` (horizon, thresholds,
            ``screen``, ``finetune``, ...) of the run.
        budget: the run's :class:`~agents.rppo.callbacks.RealEvalBudgetCallback`, which counts
            screened evaluations and says when to stop making them (needed with ``screen``).
        kl_episodes: recent real episodes the KL is measured on.
    """

    def __init__(
        self,
        wrapper: ModelRewardWrapper,
        settings: ModelSettings | None = None,
        budget: RealEvalBudgetCallback | None = None,
        kl_episodes: int = 32,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        self.settings = settings = settings or ModelSettings()
        if settings.screen and budget is None:
            raise ValueError(f"screen={settings.screen!r} needs the run's budget callback (budget=)")
        self.screen = settings.screen
        self.budget = budget
        self.wrapper = wrapper
        self.kl_episodes = kl_episodes
        self.stretch = ModelStretch(settings)
        self.real_since_stretch = 0
        self._fit_at = 0  # real evaluations at the model's last fit between screened ones
        self._errors: list[float] = []

    @property
    def stretches(self) -> list[dict[str, float]]:
        """Each finished stretch: its updates and the KL that ended it."""
        return self.stretch.stretches

    def _on_step(self) -> bool:
        for info in self.locals["infos"]:
            if info.get("real"):
                self.real_since_stretch += 1
                self._track_error(info)
        return True

    def _track_error(self, info: dict[str, Any]) -> None:
        """The model's error on a real evaluation it has not seen yet."""
        if self.wrapper.fitted_on and info["error"] is None:
            mu, _ = self.wrapper.predict([info["config"]])
            self._errors.append(abs(float(mu[0]) - info["val_score"]))

    def _kl_sequences(self) -> list[np.ndarray]:
        w = self.wrapper
        if not self.screen:
            return w.recent_real_observations()[-self.kl_episodes :]
        base = w.env.unwrapped
        recent = [r["config"] for r in base.history.records[-self.kl_episodes :]]
        return list(episode_observations(base, np.stack([base.space.encode(c) for c in recent])))

    def screened_evaluations(self, n: int) -> None:
        """``n`` model-screened real evaluations (fewer if the budget runs out), then a new
        stretch. Called by the Tuner between two ``learn`` calls, never inside a rollout."""
        w, base, s = self.wrapper, self.wrapper.env.unwrapped, self.settings
        for _ in range(n):
            if self.budget.exhausted:
                break
            config = screened_proposal(self.model.policy, w, self.screen, s.acquisition, s.uniform_share)
            note = {"model/predicted": float(w.predict([config])[0][0]), "model/n_fit": float(w.fitted_on)}
            info = base.evaluate_many([config], episodes=True, note=note)[0]  # an episode the model chose whole
            self.budget.observe(info)
            if info["real"]:
                self._track_error(info)
                if not self.budget.exhausted:  # a model fit after the last evaluation is never used
                    self._refit_if_grown()
        self._start_stretch()

    def _refit(self) -> int:
        """Refit the model on the history; returns how many evaluations it was fit on."""
        self._fit_at = self.wrapper.env.unwrapped.n_real_evals
        return self.wrapper.refit()

    def _refit_if_grown(self) -> None:
        """Refit the model once the real evaluations have grown by ``refit_growth`` since its last fit."""
        if refit_due(self.wrapper.env.unwrapped.n_real_evals, self._fit_at, self.settings.refit_growth):
            self._refit()

    def _start_stretch(self) -> None:
        if self._errors:
            self.logger.record("model/abs_error", float(np.mean(self._errors)))
            self._errors = []
        self.logger.record("model/n_fit", self.wrapper.fitted_on)
        self.stretch.begin(self.model.policy)
        self.wrapper.set_mode("model")

    def _on_rollout_start(self) -> None:
        if not self.screen:  # with screen, the Tuner calls between_updates() between learn() calls
            self.between_updates()

    def between_updates(self) -> int:
        """The control before each rollout: after an update in model mode, measure the KL and
        end the stretch if it is over; in real mode, start a stretch once enough real
        evaluations are in. Returns the screened real evaluations now due (only with
        ``screen``, when a stretch ended); :meth:`screened_evaluations` makes them."""
        w, s = self.wrapper, self.settings
        due = 0
        if w.mode == "model":
            done = self.stretch.after_update(self.model.policy, self._kl_sequences())
            self.logger.record("model/kl", self.stretch.last_kl)
            if done:
                self.logger.record("model/horizon", self.stretch.updates)
                if self.screen:
                    due = s.real_episodes_per_cycle
                else:
                    w.set_mode("real")
                    self.real_since_stretch = 0
        elif (
            (self.screen or self.real_since_stretch >= s.real_episodes_per_cycle)
            and w.env.unwrapped.n_real_evals >= s.min_real_evals
            and self._refit() >= 2
        ):
            self._start_stretch()
        self.logger.record("model/mode", int(w.mode == "model"))
        return due
