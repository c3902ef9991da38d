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
from agents.loop import Chain, LoopAgent, OptunaProposer, Proposal, Proposer
from hpo_env.env import HPOEnv
from hpo_env.fast.session import SESSION_FEATURES, SessionMemory

__all__ = ["RL2Agent", "RL2Proposer", "session_policy"]


class _SessionView:
    """What :func:`~agents.transfer.files.check_prior` reads of an env, for a session observation."""

    def __init__(self, env: HPOEnv) -> None:
        k = len(SESSION_FEATURES)
        low, high = env.observation_space.low, env.observation_space.high
        self.space, self.action_space = env.space, env.action_space
        self.session_features = SESSION_FEATURES
        low, high = np.concatenate([low, np.zeros(k, np.float32)]), np.concatenate([high, np.ones(k, np.float32)])
        self.observation_space = spaces.Box(low, high, dtype=np.float32)


def session_policy(prior: dict[str, Any], env: HPOEnv) -> Any:
    """The session policy held by ``prior`` (weights trained with ``carry_state=True``), for ``env``."""
    from agents.rppo.prior_policy import prior_policy

    return prior_policy(prior, _SessionView(env))


class RL2Proposer(Proposer):
    """The session policy's first ``trials`` proposals, its LSTM state carried across them; then None.

    Args:
        prior: session weights: a file, or a directory of held-out ones (``hpo-rl pretrain
            --rl2 --folds K`` writes ``fold<i>.rl2.pt`` beside the other agents' files).
        trials: proposals made by the policy (default: its training session).
        deterministic: propose the policy's mode at each step instead of sampling.
    """

    env_overrides: ClassVar[dict[str, Any]] = {"meta_features": True}

    def __init__(self, prior: str, trials: int | None = None, deterministic: bool = False) -> None:
        self.prior, self.trials, self.deterministic = prior, trials, bool(deterministic)
        self._extra: dict[str, Any] = {}

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from agents.transfer.files import load_prior, resolve_file, served

        base, task = env.unwrapped, task_spec(env.unwrapped)
        load = lambda: load_prior(resolve_file(self.prior, task, Path(self.prior), ".rl2.pt"))  # noqa: E731
        doc, record = served(load, task, "rl2-tpe: the prior", "prior", None)
        self._policy, self._env = session_policy(doc, base), base
        self._n = int(self.trials or doc["train"]["settings"]["session"])
        self._memory, self._state = SessionMemory(), None
        th.manual_seed(seed)
        self._extra = {**record, "rl2_trials": self._n}

    def ask(self) -> Proposal | None:
        if len(self._memory.scores) >= self._n:
            return None
        actions, self._state = self._propose(self._memory, self._state)
        return Proposal(self._env.space.decode(actions), handle=actions)

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        self._memory.add(proposal.handle, reward)

    def extra(self) -> dict[str, Any]:
        return dict(self._extra)

    def _propose(self, memory: SessionMemory, state: Any) -> tuple[np.ndarray, Any]:
        """One configuration (actions in space order) from the policy, carrying its LSTM ``state``."""
        from agents.rppo.prior_policy import policy_step

        env, n_hp = self._env, self._env.n_hyperparameters
        actions, prev = np.zeros(n_hp), 0.0
        extra = memory.features()
        for t in range(n_hp):
            obs = np.concatenate([env.observation(prev, t), extra])
            action, state = policy_step(self._policy, obs, state, self.deterministic)
            prev = float(np.clip(action, -1.0, 1.0))
            actions[env.order[t]] = prev
        return actions, state


class RL2Agent(LoopAgent):
    """The session policy's first ``trials`` proposals (:class:`RL2Proposer`), then Optuna's TPE,
    whose study holds every measured proposal.

    Not a registered agent: on held-out tasks it does not yet beat the greedy portfolio
    (``benchmarks/results/rl2_dev/``), and no session weights are shipped.

    Args:
        prior, trials, deterministic: as in :class:`RL2Proposer`.
    """

    def __init__(self, prior: str, trials: int | None = None, deterministic: bool = False) -> None:
        super().__init__("rl2-tpe", Chain(RL2Proposer(prior, trials, deterministic), OptunaProposer("tpe")))
