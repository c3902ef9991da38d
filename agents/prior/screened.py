"""The default search as a proposer: the prior proposes, the task's reward model screens.

``rppo-prior`` never updates its policy (``ModelSettings(screen=m, finetune=False)``), so it
is no RL training loop: it is a proposal source run by the one loop (:mod:`agents.loop`),
with no ``model.learn`` call and no checkpoint. The presets whose PPO does update
(``rppo-prior-ft``, ``rppo-mb``...) stay :class:`~agents.rppo.agent.RecurrentPPOAgent`.
"""

from __future__ import annotations

from typing import Any

from agents.base import task_spec
from agents.loop.agent import LoopAgent
from agents.loop.proposer import Proposal, Proposer
from agents.rppo.model_control import ModelStretch, refit_due, screened_proposal
from agents.rppo.presets import RPPOPreset
from agents.rppo.sampling import sample_actions
from hpo_env.env import HPOEnv

__all__ = ["ScreenedPriorAgent", "ScreenedPriorProposer", "is_screen_only"]


def is_screen_only(preset: RPPOPreset) -> bool:
    """Whether ``preset`` screens samples of a fixed policy and never updates it."""
    return preset.model is not None and preset.model.screen > 0 and not preset.model.finetune


class ScreenedPriorProposer(Proposer):
    """The prior's own samples for the first ``prior_evals`` real evaluations; then, for each
    one, the sample the reward model (refit on the task's history as it grows by
    ``refit_growth``) scores highest among ``screen`` samples of the prior, not yet evaluated
    (:func:`~agents.rppo.model_control.screened_proposal`). Each screened proposal notes the
    model's prediction (``model/predicted``) and how many evaluations it was fit on.

    The policy is built and sampled as :class:`~agents.rppo.tuner.Tuner` did before this
    proposer existed (seeded as SB3 seeds a model, and a snapshot built when screening
    starts), so torch's generator is drawn in the same order and the registered agent's
    trajectories stay the same.

    Args:
        preset: a screen-only preset (:func:`is_screen_only`): its prior, ``prior_evals``,
            reward model, ``screen``, ``acquisition``, ``uniform_share`` and ``refit_growth``.
    """

    def __init__(self, preset: RPPOPreset) -> None:
        if not is_screen_only(preset):
            raise ValueError(f"preset {preset.name!r} updates its policy; run it as a RecurrentPPOAgent")
        self.preset = preset
        self.env_overrides = dict(preset.env_overrides)  # type: ignore[misc]
        self._record: dict[str, Any] = {"prior": None, "prior_saw_task": False}

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from hpo_env.wrappers import ModelRewardWrapper

        base, settings = env.unwrapped, self.preset.model
        self.base, self.settings = base, settings
        self.wrapper = ModelRewardWrapper(base, model=settings.reward_model, seed=seed)
        self.policy = self._policy(base, seed)
        self.target = base.n_real_evals + int(budget)
        self.first = max(min(self.preset.prior_evals, self.target), settings.min_real_evals)
        self.stretch: ModelStretch | None = None  # set when screening starts
        self._fit_at = 0

    def _policy(self, base: HPOEnv, seed: int) -> Any:
        """The sampling policy: built after SB3's seeding (as a model of the preset would be),
        holding the prior's weights (or, when they cannot be used, its random initial ones)."""
        from stable_baselines3.common.utils import FloatSchedule, set_random_seed

        from agents.rppo.policy import HPORecurrentPolicy, default_policy_kwargs
        from agents.rppo.prior_policy import load_prior_into

        doc, self._record = self._prior_file(base)
        kwargs = {**default_policy_kwargs(), **({} if doc is None else doc["policy_kwargs"])}
        set_random_seed(seed)
        lr = FloatSchedule(self.preset.ppo.learning_rate)  # as SB3's _setup_lr_schedule
        policy = HPORecurrentPolicy(base.observation_space, base.action_space, lr, use_sde=False, **kwargs)
        if doc is not None:
            load_prior_into(policy, doc, base)
        policy.set_training_mode(False)
        return policy

    def _prior_file(self, base: HPOEnv) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The prior's weights for this task, and what the result records of them; weights that
        cannot be used leave the policy's random initial ones, with a warning."""
        from agents.transfer.files import fitting_prior, served

        if self.preset.prior is None:
            return None, {"prior": None, "prior_saw_task": False}
        task = task_spec(base)
        load = lambda: fitting_prior(self.preset.prior, base, task)  # noqa: E731
        return served(load, task, "the prior", "prior", "rppo-prior falls back to a random initial policy")

    def ask(self) -> Proposal:
        base, s = self.base, self.settings
        if self.stretch is None and base.n_real_evals >= self.first and self._refit() >= 2:
            self.stretch = ModelStretch(s)
            self.stretch.begin(self.policy)  # the snapshot the callback took: torch's draws stay in step
        if self.stretch is None:  # the prior's own samples
            return Proposal(base.space.decode(sample_actions(self.policy, base, 1)[0]))
        config = screened_proposal(self.policy, self.wrapper, s.screen, s.acquisition, s.uniform_share)
        note = {"model/predicted": float(self.wrapper.predict([config])[0][0]), "model/n_fit": self.wrapper.fitted_on}
        return Proposal(config, note=note)

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        n = self.base.n_real_evals
        grown = refit_due(n, self._fit_at, self.settings.refit_growth)
        if self.stretch is not None and info.get("real") and n < self.target and grown:
            self._refit()  # a fit after the last evaluation would never be used

    def _refit(self) -> int:
        self._fit_at = self.base.n_real_evals
        return self.wrapper.refit()

    def extra(self) -> dict[str, Any]:
        return {**self._record, "n_model_episodes": 0, "model_stretches": []}


class ScreenedPriorAgent(LoopAgent):
    """A screen-only preset (``rppo-prior``) as a :class:`~agents.loop.LoopAgent`: its
    :class:`ScreenedPriorProposer` at full fidelity. ``preset`` names it and labels its results."""

    def __init__(self, preset: RPPOPreset) -> None:
        super().__init__(preset.name, ScreenedPriorProposer(preset))
        self.preset = preset
