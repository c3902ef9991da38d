"""``rppo-prior-hb``: Hyperband whose new configurations come from the learned prior and a
reward model that learns across fidelities.

Each new configuration is the best, by the reward model's prediction at full fidelity, of a
pool of ``pool`` configurations sampled once from the prior's policy on this task (its
meta-features in the observation), leaving out those already tried. The policy is not
trained here, so one pool drawn at the start serves every proposal. The model is an
extra-trees regressor on every evaluation so far, at every fidelity, with the fidelity as
an input (:func:`~hpo_env.reward_models.fidelity_dataset`): a configuration stopped at
1/27 of its rounds still teaches it. Until ``min_records`` evaluations exist, the policy's
own sample is taken. The loop and the pruner are ``tpe-hyperband``'s
(:class:`~agents.multifidelity.hyperband.PrunedOptunaAgent`), so the two differ only in
who proposes.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import torch as th

from agents.base import task_spec
from agents.multifidelity.hyperband import PrunedOptunaAgent
from agents.rppo.sampling import sample_actions
from hpo_env.env import HPOEnv
from hpo_env.reward_models import fidelity_dataset, make_reward_model

__all__ = ["PriorHyperbandAgent"]


class PriorHyperbandAgent(PrunedOptunaAgent):
    """Hyperband (Optuna's pruner on the learning curves) with the prior's proposals,
    screened by a reward model over fidelities.

    Args:
        prior: the prior's weights: None or ``"default"`` (the shipped ones), a file, or a
            directory of held-out ones (``hpo-rl pretrain --folds``). Weights that cannot be
            used leave TPE to propose, with a warning.
        pool: configurations sampled from the policy at the start, for the model to rank.
        min_records: evaluations (of any fidelity) before the model ranks the pool; until
            then the pool is taken in the order it was sampled.
    """

    name = "rppo-prior-hb"
    env_overrides: ClassVar[dict[str, Any]] = {"meta_features": True}

    def __init__(self, prior: str | None = None, pool: int = 2048, min_records: int = 5) -> None:
        if int(pool) < 1 or int(min_records) < 2:
            raise ValueError(f"pool={pool!r}, min_records={min_records!r}; expected >= 1 and >= 2")
        self.prior, self.pool, self.min_records = prior, int(pool), int(min_records)
        self._configs: list[dict[str, Any]] = []  # the pool, decoded
        self._X = np.zeros((0, 0))  # the pool, encoded
        self._tried: set[int] = set()  # pool members proposed so far
        self._extra: dict[str, Any] = {}

    def begin(self, env: HPOEnv, seed: int) -> None:
        from agents.prior import PriorError, load_prior, prior_policy, resolve_prior
        from agents.prior.folds import flag_saw_task

        base, task = env.unwrapped, task_spec(env.unwrapped)
        th.manual_seed(seed)  # the policy's samples draw from torch's global generator
        self.model = make_reward_model(seed=seed)
        try:
            doc = load_prior(resolve_prior(self.prior, task))
            policy = prior_policy(doc, base)
        except PriorError as e:
            warnings.warn(f"{self.name} goes on with TPE's proposals: {e}", stacklevel=2)
            self._configs, self._extra = [], {"prior": None, "prior_saw_task": False}
            return
        self._configs = [base.space.decode(a) for a in sample_actions(policy, base, self.pool)]
        self._tried = {i for i, c in enumerate(self._configs) if base.history.lookup(c) is not None}
        self._X = np.stack([base.space.encode(c) for c in self._configs])
        self._extra = {"prior": doc["path"], "prior_saw_task": flag_saw_task(doc, task, f"{self.name}: the prior")}

    def extra_so_far(self) -> dict[str, Any]:
        return dict(self._extra)

    def propose(self, env: HPOEnv) -> dict[str, Any] | None:
        if not self._configs:
            return None
        base = env.unwrapped
        # Each pool member is proposed once: a pruned one is not in the cache, but was tried.
        fresh = [i for i in range(len(self._configs)) if i not in self._tried] or [0]
        pick = fresh[0]
        X, y = fidelity_dataset(base.space, base.history.records) if len(base.history) >= self.min_records else ([], [])
        if len(np.unique(y)) >= 2:
            self.model.fit(X, y)
            mu, _ = self.model.predict(np.column_stack([self._X[fresh], np.ones((len(fresh), 2))]))
            pick = fresh[int(np.argmax(mu))]
        self._tried.add(pick)
        return self._configs[pick]
