"""A session policy (RL²) proposes the first configurations in context, then TPE.

The policy was meta-trained with ``carry_state=True`` (:mod:`agents.prior.pretrain` on
:class:`~hpo_env.fast.session.MetaSessionEnv`): its LSTM state runs across the proposals
of a session and each observation carries the session's measured ranks
(:class:`~hpo_env.fast.session.SessionMemory`). At tuning time it reacts to what it
measured with no gradient step. After ``trials`` proposals (default: the session length
it was trained on) Optuna's TPE goes on, with every measured proposal added to its study.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch as th
from gymnasium import spaces

from agents.base import task_spec
from agents.baselines.ask_tell import _AskTellAgent, optuna_ask_tell
from hpo_env.adapters import optuna_distributions
from hpo_env.env import HPOEnv
from hpo_env.fast.session import SESSION_FEATURES, SessionMemory
from hpo_env.optional import require
from hpo_env.spaces import SearchSpace

__all__ = ["RL2Agent", "session_policy"]


class _SessionView:
    """What :func:`~agents.prior.weights.check_prior` reads of an env, for a session observation."""

    def __init__(self, env: HPOEnv) -> None:
        k = len(SESSION_FEATURES)
        low, high = env.observation_space.low, env.observation_space.high
        self.space, self.action_space = env.space, env.action_space
        self.session_features = SESSION_FEATURES
        low, high = np.concatenate([low, np.zeros(k, np.float32)]), np.concatenate([high, np.ones(k, np.float32)])
        self.observation_space = spaces.Box(low, high, dtype=np.float32)


def session_policy(prior: dict[str, Any], env: HPOEnv) -> Any:
    """The session policy held by ``prior`` (weights trained with ``carry_state=True``), for ``env``."""
    from agents.prior.weights import prior_policy

    return prior_policy(prior, _SessionView(env))


class RL2Agent(_AskTellAgent):
    """The session policy's first ``trials`` proposals, then Optuna's TPE.

    Not a registered agent: on held-out tasks it does not yet beat the greedy portfolio
    (``benchmarks/results/rl2_dev/``), and no session weights are shipped.

    Args:
        prior: session weights: a file, or a directory of held-out ones (``hpo-rl pretrain
            --rl2 --folds K`` writes ``fold<i>.rl2.pt`` beside the other agents' files).
        trials: proposals made by the policy before TPE (default: its training session).
        deterministic: propose the policy's mode at each step instead of sampling.
    """

    name = "rl2-tpe"
    requires = ("optuna",)
    env_overrides: ClassVar[dict[str, Any]] = {"meta_features": True}

    def __init__(self, prior: str, trials: int | None = None, deterministic: bool = False) -> None:
        self.prior, self.trials, self.deterministic = prior, trials, bool(deterministic)

    def optimize(self, env: HPOEnv, budget: int, seed: int) -> dict[str, Any] | None:
        from agents.prior.folds import flag_saw_task
        from agents.prior.weights import load_prior, resolve_file

        base, task = env.unwrapped, task_spec(env.unwrapped)
        doc = load_prior(resolve_file(self.prior, task, Path(self.prior), ".rl2.pt"))
        self._policy = session_policy(doc, base)
        self._env = base
        self._n = int(self.trials or doc["train"]["settings"]["session"])
        saw = flag_saw_task(doc, task, f"{self.name}: the prior")
        super().optimize(env, budget, seed)
        return {"prior": doc["path"], "prior_saw_task": saw, "rl2_trials": self._n}

    def _propose(self, memory: SessionMemory, state: Any) -> tuple[np.ndarray, Any]:
        """One configuration (actions in space order) from the policy, carrying its LSTM ``state``."""
        env, n_hp = self._env, self._env.n_hyperparameters
        actions, prev = np.zeros(n_hp), 0.0
        extra = memory.features()
        start = th.ones(1) if state is None else th.zeros(1)  # the session's first step
        if state is None:
            lstm = self._policy.lstm_actor
            state = (th.zeros(lstm.num_layers, 1, lstm.hidden_size),) * 2
        with th.no_grad():
            for t in range(n_hp):
                obs = np.concatenate([env.observation(prev, t), extra])[None]
                dist, state = self._policy.get_distribution(th.as_tensor(obs), state, start)
                prev = float(dist.get_actions(deterministic=self.deterministic).numpy().reshape(-1)[0].clip(-1.0, 1.0))
                actions[env.order[t]] = prev
                start = th.zeros(1)
        return actions, state

    def _start(self, space: SearchSpace, seed: int, budget: int) -> tuple[Any, Any]:
        require(f"agent {self.name!r}", *self.requires)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        th.manual_seed(seed)
        study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
        tpe_ask, tpe_tell = optuna_ask_tell(study, space)
        memory, carry = SessionMemory(), {"state": None}
        dists = optuna_distributions(space)

        def ask() -> tuple[Any, dict[str, Any]]:
            if len(memory.scores) >= self._n:
                return tpe_ask()
            actions, carry["state"] = self._propose(memory, carry["state"])
            config = space.decode(actions)
            return ("policy", actions, config), config

        def tell(handle: Any, reward: float) -> None:
            if not (isinstance(handle, tuple) and handle[0] == "policy"):
                return tpe_tell(handle, reward)
            _, actions, config = handle
            memory.add(actions, reward)
            study.add_trial(optuna.trial.create_trial(params=config, distributions=dists, value=reward))

        return ask, tell
