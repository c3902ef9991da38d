"""KL-controlled use of the reward model (the paper's dynamic horizon), as an SB3 callback."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch as th
from stable_baselines3.common.callbacks import BaseCallback

from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.sampling import episode_observations, sample_actions
from hpo_env.wrappers import ModelRewardWrapper

__all__ = ["HORIZONS", "KLModelControlCallback", "policy_kl", "screened_proposal"]

HORIZONS = ("kl", "fixed")


def policy_kl(old: Any, new: Any, sequences: list[np.ndarray]) -> float:
    """Mean KL(old || new) of two recurrent policies' action distributions over observation sequences.

    Each sequence is one episode's observations; both policies run their LSTM over it from
    a zero state. The KL is taken between the Gaussians before the tanh squashing (a
    bijection, so it is the KL of the squashed actions too), summed over action
    dimensions and averaged over all steps.
    """
    if not sequences:
        return 0.0
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
        kl = th.distributions.kl_divergence(dists[0], dists[1]).sum(-1)
    return float(kl.mean())


def screened_proposal(policy: Any, wrapper: ModelRewardWrapper, m: int) -> dict[str, Any]:
    """The configuration to evaluate next: of ``m`` episodes sampled from ``policy``, the
    one the fitted reward model scores highest among those not yet evaluated (a uniform
    random configuration if all are, as from a collapsed policy).

    The policy proposes where to look and the model picks within it: one real evaluation
    then tests the model's best guess inside the policy's current spread, which a single
    sample of a half-trained policy rarely is.
    """
    base = wrapper.env.unwrapped
    configs = [base.space.decode(a) for a in sample_actions(policy, base, int(m))]
    mu, _ = wrapper.predict(configs)
    ranked = np.argsort(-mu, kind="stable")
    for i in ranked:
        if base.history.lookup(configs[i]) is None:
            return configs[i]
    return base.space.decode(base.np_random.uniform(-1.0, 1.0, len(base.space)))


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
    refitted model (:func:`screened_proposal`), evaluated outside the rollout. PPO then
    learns from the model alone, and the policy serves as the distribution the model
    searches in. The KL is then measured on the last real configurations' episodes.

    TensorBoard: ``model/mode`` (1 = model), ``model/kl``, ``model/horizon`` (updates in
    the last stretch), ``model/abs_error`` (the model's error on the next real
    evaluations, before it sees them), ``model/n_fit``.

    Args:
        wrapper: the :class:`ModelRewardWrapper` the agent trains on.
        horizon: ``"kl"`` (dynamic, default) or ``"fixed"``.
        kl_threshold: KL that ends a stretch (dynamic horizon).
        fixed_updates: updates per stretch (fixed horizon).
        max_model_updates: a cap on any stretch, so a policy that barely moves cannot
            train on the model forever.
        real_episodes_per_cycle: real episodes between two stretches.
        min_real_evals: real evaluations needed before the first fit.
        kl_episodes: recent real episodes the KL is measured on.
        screen: candidates per model-screened real evaluation; 0 lets the policy's own
            samples be the real episodes.
        finetune: whether PPO trains the policy on the model between real evaluations.
            False (needs ``screen``) keeps the policy as it is, a fixed proposal
            distribution: after the first fit every real evaluation is a screened
            proposal, and the run makes no PPO update.
        budget: the run's :class:`~agents.rppo.callbacks.RealEvalBudgetCallback`, which counts
            screened evaluations and says when to stop making them (needed with ``screen``).
    """

    def __init__(
        self,
        wrapper: ModelRewardWrapper,
        horizon: str = "kl",
        kl_threshold: float = 0.1,
        fixed_updates: int = 10,
        max_model_updates: int = 50,
        real_episodes_per_cycle: int = 8,
        min_real_evals: int = 10,
        kl_episodes: int = 32,
        screen: int = 0,
        finetune: bool = True,
        budget: RealEvalBudgetCallback | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        if horizon not in HORIZONS:
            raise ValueError(f"horizon={horizon!r}; expected one of {HORIZONS}")
        if int(screen) < 0 or (screen and budget is None):
            raise ValueError(f"screen={screen!r}; expected 0, or a number of candidates >= 1 with a budget callback")
        if not finetune and not screen:
            raise ValueError("finetune=False needs screen >= 1: without screening nothing would propose")
        self.screen = int(screen)
        self.finetune = bool(finetune)
        self.budget = budget
        self.wrapper = wrapper
        self.horizon = horizon
        self.kl_threshold = kl_threshold
        self.fixed_updates = fixed_updates
        self.max_model_updates = max_model_updates
        self.real_episodes_per_cycle = real_episodes_per_cycle
        self.min_real_evals = min_real_evals
        self.kl_episodes = kl_episodes
        self.snapshot: Any = None
        self.updates_in_stretch = 0
        self.real_since_stretch = 0
        self.stretches: list[dict[str, float]] = []
        self.last_kl = 0.0
        self._errors: list[float] = []

    def _take_snapshot(self) -> None:
        # A second policy of the same build, loaded with the current weights (deepcopy
        # fails on the non-leaf tensors a policy keeps from its last forward pass).
        pol = self.model.policy
        if self.snapshot is None:
            self.snapshot = type(pol)(**pol._get_constructor_parameters())
        self.snapshot.load_state_dict(copy.deepcopy(pol.state_dict()))
        self.snapshot.set_training_mode(False)

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

    def _screened_evaluations(self, n: int | None) -> None:
        """``n`` model-screened real evaluations (all that are left of the budget if None;
        fewer if the budget runs out)."""
        w, base = self.wrapper, self.wrapper.env.unwrapped
        done = 0
        while n is None or done < n:
            done += 1
            if self.budget.exhausted:
                return
            config = screened_proposal(self.model.policy, w, self.screen)
            predicted = float(w.predict([config])[0][0])
            info = base.evaluate(config)
            scalars = {"model/predicted": predicted, "model/n_fit": float(w.fitted_on)}
            if info["real"] and info["error"] is None:
                scalars["model/abs_error"] = abs(predicted - info["val_score"])
            self.budget.observe(info, scalars)
            if info["real"]:
                self._track_error(info)
                w.refit()

    def _start_stretch(self) -> None:
        if self._errors:
            self.logger.record("model/abs_error", float(np.mean(self._errors)))
            self._errors = []
        self.logger.record("model/n_fit", self.wrapper.fitted_on)
        self._take_snapshot()
        self.updates_in_stretch = 0
        self.wrapper.set_mode("model")

    def _on_rollout_start(self) -> None:
        w = self.wrapper
        if w.mode == "model":
            self.updates_in_stretch += 1
            self.last_kl = policy_kl(self.snapshot, self.model.policy, self._kl_sequences())
            self.logger.record("model/kl", self.last_kl)
            done = (
                (self.horizon == "kl" and self.last_kl > self.kl_threshold)
                or (self.horizon == "fixed" and self.updates_in_stretch >= self.fixed_updates)
                or self.updates_in_stretch >= self.max_model_updates
            )
            if done:
                self.stretches.append({"updates": self.updates_in_stretch, "kl": self.last_kl})
                self.logger.record("model/horizon", self.updates_in_stretch)
                if self.screen:
                    self._screened_evaluations(self.real_episodes_per_cycle)
                    self._start_stretch()
                else:
                    w.set_mode("real")
                    self.real_since_stretch = 0
        elif (
            (self.screen or self.real_since_stretch >= self.real_episodes_per_cycle)
            and w.env.unwrapped.n_real_evals >= self.min_real_evals
            and w.refit() >= 2
        ):
            self._start_stretch()
            if not self.finetune:
                # The budget is spent before this rollout's first step returns: no update.
                self._screened_evaluations(None)
        self.logger.record("model/mode", int(w.mode == "model"))
