"""Every variant of our agent as one frozen, typed preset.

A preset is all the settings that make a variant what it is: how PPO learns
(:class:`PPOSettings`), whether and how a reward model stands in for training
(:class:`ModelSettings`), the prior it starts from and the order it asks for
hyperparameters. The registry (:mod:`agents.registry`), ``hpo-rl tune --agent NAME``, the
``agent`` label of a result and the docs all read :data:`PRESETS`; a setting given on the
command line or to :func:`~agents.rppo.tuner.tune` replaces a field of a preset
(:meth:`RPPOPreset.replace`), and an illegal combination is refused when the preset is
built.

Adding a variant is adding a preset::

    from agents.registry import register_preset
    from agents.rppo.presets import ModelSettings, RPPOPreset

    register_preset(RPPOPreset("rppo-mb-tight", model=ModelSettings(kl_threshold=0.02)))
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HORIZONS", "PRESETS", "ModelSettings", "PPOSettings", "RPPOPreset"]

#: How a stretch of model use ends: the policy's KL from its snapshot passes a threshold
#: (the paper's dynamic horizon), or a fixed number of updates.
HORIZONS = ("kl", "fixed")


def _replace(obj: Any, changes: dict[str, Any]) -> Any:
    """``dataclasses.replace`` that names an unknown field instead of a TypeError traceback."""
    known = {f.name for f in dataclasses.fields(obj)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"unknown {type(obj).__name__} fields {unknown}; known: {sorted(known)}")
    return dataclasses.replace(obj, **changes)


@dataclass(frozen=True)
class PPOSettings:
    """RecurrentPPO's settings: the paper's where it gives them, sane ones elsewhere."""

    learning_rate: float = 7e-3
    """Adam's step size. The paper's 0.007."""
    gamma: float = 1.0
    """Discount. The paper's 1: the only reward is the last step's score."""
    gae_lambda: float = 1.0
    """GAE's lambda; 1 makes advantages the Monte Carlo return minus the value."""
    clip_range: float = 0.2
    """PPO's clipping of the probability ratio."""
    n_epochs: int = 10
    """Passes over each update's episodes."""
    ent_coef: float = 0.0
    """Entropy bonus."""
    episodes_per_update: int = 8
    """Whole episodes per update; sets ``n_steps`` (and the minibatch) to that many episodes."""

    def __post_init__(self) -> None:
        if self.learning_rate <= 0 or self.n_epochs < 1 or self.episodes_per_update < 1:
            raise ValueError(
                f"PPOSettings learning_rate={self.learning_rate!r}, n_epochs={self.n_epochs!r}, "
                f"episodes_per_update={self.episodes_per_update!r}; expected > 0, >= 1 and >= 1"
            )

    def sb3_kwargs(self) -> dict[str, Any]:
        """The arguments RecurrentPPO takes by these names (all but ``episodes_per_update``)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "episodes_per_update"}

    def replace(self, **changes: Any) -> PPOSettings:
        return _replace(self, changes)


@dataclass(frozen=True)
class ModelSettings:
    """How a learned reward model stands in for training (the paper's model-based loop).

    See :class:`~agents.rppo.model_control.KLModelControlCallback` for the cycle.
    """

    horizon: str = "kl"
    """``"kl"``: a stretch of model use ends when the policy's KL from its snapshot passes
    ``kl_threshold`` (the paper's dynamic horizon); ``"fixed"``: after ``fixed_updates``."""
    reward_model: str = "extra_trees"
    """A name from :data:`hpo_env.reward_models.REWARD_MODELS`."""
    kl_threshold: float = 0.1
    """KL that ends a stretch (``horizon="kl"``)."""
    fixed_updates: int = 10
    """Updates per stretch (``horizon="fixed"``)."""
    max_model_updates: int = 50
    """A cap on any stretch, so a policy that barely moves cannot train on the model forever."""
    real_episodes_per_cycle: int = 8
    """Real episodes between two stretches."""
    min_real_evals: int = 10
    """Real evaluations needed before the first fit."""
    screen: int = 0
    """Candidates per model-screened real evaluation: each real evaluation is the model's
    pick of this many samples of the policy. 0: the policy's own samples (the paper)."""
    finetune: bool = True
    """Whether PPO trains the policy on the model between real evaluations. False (needs
    ``screen``) keeps the policy a fixed proposal distribution."""
    refit_growth: float = 0.0
    """With ``screen``: between screened evaluations the model is refit only once the real
    evaluations have grown by this fraction since its last fit (by one at least), so its
    cost per evaluation stays about flat as the history grows. 0: after every one."""
    acquisition: str = "mean"
    """With ``screen``: what the model ranks candidates by. ``"mean"``: its predicted score;
    ``"ei"``: the expected improvement over the best real score, with the trees' spread as
    the scale of a normal around the prediction (SMAC's acquisition)."""
    uniform_share: float = 0.0
    """With ``screen``: the share of the candidates drawn uniformly over the space instead
    of from the policy, so the model can also pick outside the policy's spread."""

    def __post_init__(self) -> None:
        if self.horizon not in HORIZONS:
            raise ValueError(f"horizon={self.horizon!r}; expected one of {HORIZONS}")
        if self.screen < 0:
            raise ValueError(f"screen={self.screen!r}; expected 0, or a number of candidates >= 1")
        if not self.finetune and not self.screen:
            raise ValueError("finetune=False needs screen >= 1: without screening nothing would propose")
        if self.acquisition not in ("mean", "ei"):
            raise ValueError(f"acquisition={self.acquisition!r}; expected 'mean' or 'ei'")
        if not 0 <= self.uniform_share < 1:
            raise ValueError(f"uniform_share={self.uniform_share!r}; expected a fraction in [0, 1)")
        if not 0 <= self.refit_growth < 1:
            raise ValueError(f"refit_growth={self.refit_growth!r}; expected a fraction in [0, 1)")
        if self.min_real_evals < 2 or self.real_episodes_per_cycle < 1:
            raise ValueError(
                f"min_real_evals={self.min_real_evals!r} and real_episodes_per_cycle="
                f"{self.real_episodes_per_cycle!r}; expected >= 2 and >= 1"
            )

    def replace(self, **changes: Any) -> ModelSettings:
        return _replace(self, changes)


@dataclass(frozen=True)
class RPPOPreset:
    """One variant of the paper's recurrent PPO agent.

    Its ``name`` is what a benchmark result, ``hpo-rl tune``'s ``result.json`` and the
    registry call it.
    """

    name: str
    """The agent's name in results and on the command line."""
    model: ModelSettings | None = None
    """None: every episode is a real evaluation. Else the reward model's use."""
    ppo: PPOSettings = field(default_factory=PPOSettings)
    """How PPO learns."""
    prior: str | None = None
    """Meta-trained weights to start from: ``"default"`` (the shipped ones), a weights file,
    or a directory of held-out weights (the file named after the task). None: a random policy."""
    prior_evals: int = 10
    """With a prior: real evaluations of its own samples before anything else."""
    order: str = "fixed"
    """The order the env asks for hyperparameters: ``"fixed"`` or ``"shuffle"`` (new each episode)."""
    description: str = ""
    """One line for the docs and ``hpo-rl tune --help``."""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"preset name {self.name!r}; expected a non-empty string")
        if self.order not in ("fixed", "shuffle"):
            raise ValueError(f"order={self.order!r}; expected 'fixed' or 'shuffle'")
        if self.prior is not None and self.order != "fixed":
            raise ValueError(f"preset {self.name!r}: a prior is trained on the fixed order, not order={self.order!r}")
        if self.prior_evals < 1:
            raise ValueError(f"prior_evals={self.prior_evals!r}; expected >= 1")

    @property
    def env_overrides(self) -> dict[str, Any]:
        """Env arguments this variant needs: a shuffled order; the task's meta-features for a prior."""
        out: dict[str, Any] = {}
        if self.order != "fixed":
            out["order"] = self.order
        if self.prior is not None:
            out["meta_features"] = True
        return out

    def replace(self, **changes: Any) -> RPPOPreset:
        """A copy with some fields replaced (validated again). ``ppo`` and ``model`` also
        take a dict of their own fields; ``model`` a dict turns the model on (from defaults)."""
        for key, cls in (("ppo", PPOSettings), ("model", ModelSettings)):
            if isinstance(changes.get(key), dict):
                current = getattr(self, key) or cls()
                changes[key] = current.replace(**changes[key])
        return _replace(self, changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def canonical(self) -> RPPOPreset:
        """The preset results record: this one if registered; else the registered preset with
        the same settings (``rppo-prior`` with ``finetune=True`` is ``rppo-prior-ft``), keeping
        this one's weights; else this one named ``<name>+custom``."""
        if PRESETS.get(self.name) == self:
            return self
        same = [p for p in PRESETS.values() if p._settings() == self._settings()]
        if same:
            return dataclasses.replace(same[0], prior=self.prior)
        return dataclasses.replace(self, name=f"{self.name.removesuffix('+custom')}+custom")

    def _settings(self) -> tuple[Any, ...]:
        # Which weights a prior comes from is data, not a setting of the variant.
        return (self.model, self.ppo, self.prior is not None, self.prior_evals, self.order)


#: The learning rate of ``rppo-prior-ft``: the pretraining rate; the paper's 7e-3 moves a
#: sharp prior too far in one update.
_FINETUNE_PPO = PPOSettings(learning_rate=3e-4)
#: Candidates the reward model screens per real evaluation of ``rppo-prior``.
_SCREEN = 1000
#: ``rppo-prior`` refits its reward model once the history has grown by 10%: half its own time,
#: and the same scores as refitting after every evaluation (``benchmarks/results/overhead_dev``).
_REFIT_GROWTH = 0.1

#: Every registered variant, by name.
PRESETS: dict[str, RPPOPreset] = {
    p.name: p
    for p in (
        RPPOPreset("rppo", description="the paper's agent without the model: every episode is a real evaluation"),
        RPPOPreset("rppo-shuffle", order="shuffle", description="rppo asking in a new order each episode"),
        RPPOPreset("rppo-mb", model=ModelSettings(), description="the paper's loop: the reward model, KL horizon"),
        RPPOPreset("rppo-mb-fixed", model=ModelSettings(horizon="fixed"), description="rppo-mb with a fixed horizon"),
        RPPOPreset(
            "rppo-prior",
            model=ModelSettings(screen=_SCREEN, finetune=False, refit_growth=_REFIT_GROWTH),
            prior="default",
            ppo=_FINETUNE_PPO,
            description="the default tuner: the meta-trained prior proposes, the task's reward model picks",
        ),
        RPPOPreset(
            "rppo-prior-ft",
            model=ModelSettings(screen=_SCREEN, refit_growth=_REFIT_GROWTH),
            prior="default",
            ppo=_FINETUNE_PPO,
            description="rppo-prior, with PPO fine-tuning the prior on the reward model between evaluations",
        ),
        RPPOPreset(
            "rppo-prior-plain",
            model=ModelSettings(),
            prior="default",
            description="the paper's loop started from the prior: real episodes are the policy's own samples",
        ),
    )
}
