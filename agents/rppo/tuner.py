"""``Tuner``: train the recurrent PPO agent on an HPO env until a budget of real evaluations is spent.

In ``out_dir`` it keeps what PPO training adds to a run directory
(:class:`~agents.session.Session` keeps the rest):
    ``checkpoint.zip``  the model after each PPO update (what a resumed run loads)
    ``tb/rppo_*``       PPO's TensorBoard curves (``tensorboard --logdir OUT/tb``)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch as th

from agents.base import max_episodes as base_max_episodes
from agents.base import task_spec
from agents.rppo.callbacks import RealEvalBudgetCallback
from agents.rppo.policy import HPORecurrentPolicy, HPORecurrentPPO, default_policy_kwargs
from agents.rppo.presets import PRESETS, RPPOPreset
from hpo_env.env import HPOEnv
from hpo_env.eval_log import ProgressBar

__all__ = ["Tuner", "make_preset"]


class Tuner:
    """One tuning run of an agent preset on one env, in four steps: :meth:`setup` (the
    model and the callbacks, from ``out_dir``'s checkpoint if there is one), :meth:`warm_start`
    (the prior's own proposals), :meth:`learn` (RecurrentPPO until the budget is spent) and
    :meth:`extra` (what the run counted). :meth:`run` does all four; the
    :class:`~agents.rppo.agent.RecurrentPPOAgent` runs it in a session, and
    :func:`~agents.session.tune` builds the env and the preset for you.

    Args:
        preset: the agent variant (:data:`~agents.rppo.presets.PRESETS`).
        env: the :class:`HPOEnv` to tune (its history is used as it is).
        budget: real evaluations in all, including any already in the env's history.
        seed: seeds the policy and the reward model.
        out_dir: where the checkpoint and PPO's TensorBoard curves go; None keeps nothing.
        policy_kwargs: override :func:`~agents.rppo.policy.default_policy_kwargs` (and a prior's).
        max_episodes: stop after this many real or cached episodes even if the budget is not
            spent (default :func:`agents.base.max_episodes`), in case the policy only
            repeats cached configurations.
        torch_threads: torch CPU threads (the nets are tiny; more threads only contend).
        n_envs: episodes played side by side; their evaluations run in parallel on
            ``n_envs`` workers (:class:`~agents.rppo.vec_env.ParallelEvalVecEnv`). An update
            still uses ``episodes_per_update`` episodes (rounded up to a multiple of
            ``n_envs``). Not combined with a reward model.
        backend: where parallel evaluations run with ``n_envs > 1``: ``"process"`` or
            ``"ray"`` (the ``[ray]`` extra).
        address: a Ray cluster's address for ``backend="ray"`` (default: a local Ray).
        progress: show a progress bar of the budget.
        tensorboard: write PPO's TensorBoard curves under ``out_dir/tb``.
    """

    def __init__(
        self,
        preset: RPPOPreset,
        env: HPOEnv,
        budget: int,
        seed: int = 0,
        *,
        out_dir: str | os.PathLike[str] | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        max_episodes: int | None = None,
        progress: bool = True,
        tensorboard: bool = True,
        torch_threads: int = 1,
        n_envs: int = 1,
        backend: str = "process",
        address: str | None = None,
    ) -> None:
        if int(budget) < 1:
            raise ValueError(f"budget={budget!r}; expected a number of real evaluations >= 1")
        if int(n_envs) < 1:
            raise ValueError(f"n_envs={n_envs!r}; expected >= 1")
        if int(n_envs) > 1 and preset.model is not None:
            raise ValueError("model_based runs play one env at a time; use n_envs=1 with model_based")
        assert isinstance(env, HPOEnv), f"a Tuner needs an HPOEnv, got {type(env).__name__}"
        if preset.model is not None and preset.model.screen and not preset.model.finetune:
            raise ValueError(
                f"{preset.name!r} never updates its policy (screen={preset.model.screen}, finetune=False): it is a "
                "proposer, not PPO training; run it with agents.make_agent or agents.session.open_session"
            )
        self.preset, self.env, self.budget, self.seed = preset, env, int(budget), int(seed)
        self.out = Path(out_dir) if out_dir is not None else None
        self.max_episodes = max_episodes if max_episodes is not None else base_max_episodes(self.budget)
        self.progress, self.tensorboard = progress, tensorboard
        self.torch_threads, self.n_envs, self.backend, self.address = int(torch_threads), int(n_envs), backend, address
        self.policy_kwargs, self.prior_doc = _policy_of(preset, policy_kwargs)
        self.prior_saw_task = self._prior_saw_task()  # warned about once, at the start
        self.model: Any = None
        self.train_env: Any = env
        self.budget_cb: RealEvalBudgetCallback | None = None
        self.control: Any = None
        self.logs: list[ProgressBar] = []  # live logs following the history

    def _prior_saw_task(self) -> bool:
        """Whether the prior was trained on this env's task or a near-duplicate (then warned
        about: the run is no held-out result)."""
        from agents.transfer.folds import flag_saw_task

        return self.prior_doc is not None and flag_saw_task(self.prior_doc, task_spec(self.env), "the prior")

    @property
    def _checkpoint(self) -> Path | None:
        return None if self.out is None else self.out / "checkpoint.zip"

    @property
    def _resuming(self) -> bool:
        return self._checkpoint is not None and self._checkpoint.exists()

    def setup(self) -> None:
        """Build the model (from ``out_dir``'s checkpoint if there is one) and the callbacks."""
        th.set_num_threads(self.torch_threads)
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
        self.train_env = self._train_env()
        self.model = self._model()
        self.budget_cb = self._budget_callback()
        if self.preset.model is not None:
            from agents.rppo.model_control import KLModelControlCallback

            self.control = KLModelControlCallback(self.train_env, self.preset.model, budget=self.budget_cb)

    def _train_env(self) -> Any:
        """What PPO trains on: the env, N parallel copies of it, or the reward-model wrapper."""
        if self.n_envs > 1:
            from agents.rppo.vec_env import ParallelEvalVecEnv

            return ParallelEvalVecEnv(
                self.env, self.n_envs, backend=self.backend, address=self.address, max_real_evals=self.budget
            )
        if self.preset.model is not None:
            from hpo_env.wrappers import ModelRewardWrapper

            return ModelRewardWrapper(self.env, model=self.preset.model.reward_model, seed=self.seed)
        return self.env

    def _model(self) -> Any:
        """A new RecurrentPPO, or the checkpoint of an earlier session of this run."""
        if self._resuming:
            return HPORecurrentPPO.load(self._checkpoint, env=self.train_env, seed=self.seed)
        ppo = self.preset.ppo
        # n_steps is per env: each env plays its share of the update's episodes.
        n_steps = -(-ppo.episodes_per_update // self.n_envs) * self.env.n_hyperparameters
        tb = self.out / "tb" if (self.out is not None and self.tensorboard) else None
        return HPORecurrentPPO(
            HPORecurrentPolicy, self.train_env, n_steps=n_steps, batch_size=n_steps * self.n_envs,
            policy_kwargs=self.policy_kwargs, seed=self.seed, tensorboard_log=None if tb is None else str(tb),
            device="cpu", **ppo.sb3_kwargs(),
        )  # fmt: skip

    def _budget_callback(self) -> RealEvalBudgetCallback:
        inc, history = self.env.history.incumbent, self.env.history
        if self.progress:
            self.logs.append(ProgressBar(history, self.budget, self.env.n_real_evals).attach())
        return RealEvalBudgetCallback(
            self.budget, start=self.env.n_real_evals, best=None if inc is None else inc["val_score"],
            max_episodes=self.max_episodes, checkpoint_path=self._checkpoint,
        )  # fmt: skip

    def warm_start(self) -> None:
        """With a prior: load it into the policy and evaluate its own samples until the history
        holds ``prior_evals`` real evaluations (counted over the whole history, so a run
        resumed before its first update does not redo them)."""
        if self.prior_doc is None or self._resuming:
            return
        from agents.rppo.prior_policy import load_prior_into, propose

        env, cb = self.env, self.budget_cb
        load_prior_into(self.model.policy, self.prior_doc, env)
        n_first = min(self.preset.prior_evals, self.budget) - env.n_real_evals
        if n_first <= 0:
            return
        self.model.policy.set_training_mode(False)
        for info in propose(self.model.policy, env, n_first, max_episodes=base_max_episodes(n_first)):
            cb.observe(info)

    def learn(self) -> None:
        """RecurrentPPO until the budget (or the episode cap) is spent; saves the checkpoint."""
        if self.env.n_real_evals >= self.budget:
            return
        callbacks = [self.budget_cb, *([] if self.control is None else [self.control])]
        if self.control is not None and self.control.screen:
            self._learn_between_screened(callbacks)
        else:
            self.model.learn(
                total_timesteps=10**12, callback=callbacks, tb_log_name="rppo", reset_num_timesteps=not self._resuming
            )
        if self._checkpoint is not None:
            self.model.save(self._checkpoint)

    def _learn_between_screened(self, callbacks: list[Any]) -> None:
        """With a model screen (``rppo-prior-ft``): one PPO update per ``learn`` call, and
        between two the screened real evaluations the KL control asks for, made here, so the
        callbacks only observe, switch the reward model in and out, and stop. Each call goes
        on where the last stopped (``reset_num_timesteps=False``, one logger), so the run is
        the one long ``learn`` it replaced, update for update."""
        from stable_baselines3.common.utils import configure_logger

        m, control, budget = self.model, self.control, self.budget_cb
        reset = not self._resuming
        m.set_logger(configure_logger(m.verbose, m.tensorboard_log, "rppo", reset_num_timesteps=reset))
        control.init_callback(m)
        while not budget.exhausted:
            due = control.between_updates()
            if due:
                control.screened_evaluations(due)
            if budget.exhausted:
                return
            m.learn(total_timesteps=m.n_steps * m.n_envs, callback=callbacks, reset_num_timesteps=reset)
            reset = False

    def close(self) -> None:
        """Close the progress bar, the logs and any parallel workers."""
        for log in self.logs:
            log.close()
        self.logs = []
        if self.n_envs > 1 and self.train_env is not self.env:
            self.train_env.close()

    def run(self) -> dict[str, Any]:
        """Setup, warm start, learn; returns :meth:`extra`."""
        self.setup()
        try:
            self.warm_start()
            self.learn()
        finally:
            self.close()
        return self.extra()

    def extra(self) -> dict[str, Any]:
        """What the run has counted so far, for its result's ``extra``: whether it stalled,
        its episodes on the reward model and the model's stretches, and its prior."""
        cb = self.budget_cb
        return {
            "stalled": cb is not None and cb.stalled,
            "n_model_episodes": 0 if cb is None else cb.n_model,
            "model_stretches": [] if self.control is None else self.control.stretches,
            "prior": None if self.prior_doc is None else self.prior_doc["path"],
            "prior_saw_task": self.prior_saw_task,
        }


def _policy_of(preset: RPPOPreset, policy_kwargs: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    """The policy's arguments: :func:`default_policy_kwargs`, then the prior's (if the preset
    has one), then ``policy_kwargs``; and the prior's document (None without a prior)."""
    if preset.prior is None:
        return {**default_policy_kwargs(), **(policy_kwargs or {})}, None
    from agents.transfer.files import load_prior

    doc = load_prior(preset.prior)
    return {**default_policy_kwargs(), **doc["policy_kwargs"], **(policy_kwargs or {})}, doc


def make_preset(
    agent: str | RPPOPreset = "rppo",
    *,
    ppo_kwargs: dict[str, Any] | None = None,
    model_based: str | None = None,
    model_kwargs: dict[str, Any] | None = None,
    prior: str | os.PathLike[str] | None = None,
    prior_evals: int | None = None,
) -> RPPOPreset:
    """The preset ``agent`` (a name in :data:`~agents.rppo.presets.PRESETS`, or a preset)
    with fields replaced by the arguments that are given.

    ``model_based`` ``"kl"``/``"fixed"`` turns the reward model on with that horizon, ``"none"``
    off (None leaves the preset's choice); ``model_kwargs`` replaces fields of its model
    settings. ``prior`` ``"none"`` starts from no prior.
    """
    if isinstance(agent, str):
        if agent not in PRESETS:
            raise ValueError(f"unknown agent {agent!r}; expected one of {sorted(PRESETS)}")
        agent = PRESETS[agent]
    changes: dict[str, Any] = {}
    if ppo_kwargs:
        changes["ppo"] = dict(ppo_kwargs)
    if model_based == "none":
        if model_kwargs:
            raise ValueError(f"model_based='none' takes no reward-model settings; got {sorted(model_kwargs)}")
        changes["model"] = None
    elif model_based is not None or model_kwargs:
        if model_based not in (None, "kl", "fixed"):
            raise ValueError(f"model_based={model_based!r}; expected None, 'kl', 'fixed' or 'none'")
        if agent.model is None and model_based is None:
            raise ValueError(
                f"agent {agent.name!r} uses no reward model; {sorted(model_kwargs or {})} need model_based "
                "'kl' or 'fixed'"
            )
        changes["model"] = {**({} if model_based is None else {"horizon": model_based}), **(model_kwargs or {})}
    if prior is not None:
        changes["prior"] = None if str(prior) == "none" else str(prior)
    if prior_evals is not None:
        changes["prior_evals"] = int(prior_evals)
    return agent.replace(**changes) if changes else agent
