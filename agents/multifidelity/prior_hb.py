"""``rppo-prior-hb``: Hyperband whose new configurations come from the learned prior and a
reward model that learns across fidelities.

The loop and the schedule are ``tpe-hyperband``'s (:class:`~agents.loop.Hyperband`); only
the proposer differs: :class:`PriorPoolProposer`, chained with TPE.

- **The pool.** ``pool`` configurations are sampled once from the prior's policy on this
  task (its meta-features in the observation). The policy is not trained here, so one
  pool serves every proposal, and each member is proposed at most once.
- **Before the model** (fewer than ``min_records`` evaluations), each proposal is the
  member that trains the fewest boosting rounds among the next ``cheap_of`` samples: the
  prior likes many rounds, and under a wall-clock budget its first picks cost two to four
  times what TPE's random start-up ones do.
- **Then** an extra-trees model, fit on every evaluation so far at every fidelity with the
  fidelity as an input (:func:`~hpo_env.reward_models.fidelity_dataset`; a configuration
  stopped at 1/27 of its rounds still teaches it), ranks the pool by its prediction at
  full fidelity, and the best untried member is proposed. It is refit once the history
  has grown by ``refit_growth``.
- Every ``tpe_every``-th proposal after that is left to the study's TPE, which has seen
  every full evaluation, the prior's included: it refines around the best ones, which
  the fixed pool cannot.
- After ``prior_for`` proposals (10), TPE proposes alone, as in ``tpe-hyperband``, from a
  study that already holds the prior's evaluations.

How each of these was chosen, on development tasks apart from the reported ones:
``benchmarks/results/multifidelity_dev/``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch as th

from agents.base import task_spec
from agents.loop import Chain, Hyperband, LoopAgent, OptunaProposer, Proposal, Proposer
from agents.rppo.sampling import sample_actions
from hpo_env.env import HPOEnv
from hpo_env.reward_models import fidelity_dataset, make_reward_model

__all__ = ["PriorHyperbandAgent", "PriorPoolProposer"]


class PriorPoolProposer(Proposer):
    """The prior's pool, ranked by a reward model over fidelities; None when TPE is to propose.

    Args:
        prior: the prior's weights: None or ``"default"`` (the shipped ones), a file, or a
            directory of held-out ones (``hpo-rl pretrain --folds``). Weights that cannot be
            used leave TPE to propose, with a warning.
        pool: configurations sampled from the policy at the start, for the model to rank.
        min_records: evaluations (of any fidelity) before the model ranks the pool.
        cheap_of: until the model ranks the pool, each proposal is the one that trains the
            fewest boosting rounds (the objective's ``params``) of the next ``cheap_of``
            samples: still the prior's, tilted to cheap ones. 1 takes the prior's order.
        tpe_every: once the model ranks the pool, every ``tpe_every``-th proposal is left
            to the study's TPE, which has seen every full evaluation (0: never).
        refit_growth: the model is refit, and the pool ranked again, once the history has
            grown by this fraction since the last fit (by one evaluation at least). Between
            fits the next member of the last ranking is taken, so the model's time per
            evaluation stays about flat as the history grows.
        trees: trees in the extra-trees model. Fitting it is most of this agent's own time,
            about a millisecond per tree at these sizes.
        prior_for: proposals (pruned ones included) made by the prior and the model, TPE's
            every ``tpe_every``-th among them; after these, only TPE proposes. None: no end.
            The prior leads early and TPE later (``benchmarks/results/multifidelity_dev/``):
            of 0, 5, 10, 20 and 40, 10 had the best mean rank at 25, 50 and 100% of the time.
    """

    env_overrides: ClassVar[dict[str, Any]] = {"meta_features": True}

    def __init__(
        self,
        prior: str | None = None,
        pool: int = 2048,
        min_records: int = 5,
        tpe_every: int = 2,
        refit_growth: float = 0.1,
        trees: int = 50,
        cheap_of: int = 4,
        prior_for: int | None = 10,
    ) -> None:
        if min(int(pool), int(trees), int(cheap_of)) < 1 or int(min_records) < 2 or int(tpe_every) < 0:
            raise ValueError(
                f"pool={pool!r}, min_records={min_records!r}, trees={trees!r}, cheap_of={cheap_of!r}, "
                f"tpe_every={tpe_every!r}; expected min_records >= 2, tpe_every >= 0, the rest >= 1"
            )
        if prior_for is not None and int(prior_for) < 0:
            raise ValueError(f"prior_for={prior_for!r}; expected a number of proposals >= 0, or None")
        if not 0 <= refit_growth < 1:
            raise ValueError(f"refit_growth={refit_growth!r}; expected a fraction in [0, 1)")
        self.prior, self.pool, self.min_records = prior, int(pool), int(min_records)
        self.refit_growth, self.trees = float(refit_growth), int(trees)
        self.cheap_of, self.tpe_every = int(cheap_of), int(tpe_every)
        self.prior_for = None if prior_for is None else int(prior_for)
        self._proposed = 0  # proposals asked for so far, TPE's included
        self._configs: list[dict[str, Any]] = []  # the pool, decoded
        self._X = np.zeros((0, 0))  # the pool, encoded
        self._rounds = np.zeros(0)  # the boosting rounds each pool member trains
        self._tried = np.zeros(0, bool)  # which pool members were proposed
        self._rank = np.zeros(0)  # each pool member's predicted score at the last fit
        self._fit_at = 0  # history length at the last fit
        self._ranked = 0  # proposals made since the model first ranked the pool

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        from agents.rppo.prior_policy import prior_policy
        from agents.transfer.files import fitting_prior, served

        base, task = env.unwrapped, task_spec(env.unwrapped)
        self._env = base
        th.manual_seed(seed)  # the policy's samples draw from torch's global generator
        self.model = make_reward_model(seed=seed, n_estimators=self.trees)
        self._rank, self._fit_at, self._ranked, self._proposed = np.zeros(0), 0, 0, 0
        name, load = PriorHyperbandAgent.NAME, lambda: fitting_prior(self.prior, base, task)
        doc, self._extra = served(load, task, f"{name}: the prior", "prior", f"{name} goes on with TPE's proposals")
        if doc is None:
            self._configs = []
            return
        policy = prior_policy(doc, base)
        self._configs = [base.space.decode(a) for a in sample_actions(policy, base, self.pool)]
        self._tried = np.array([base.history.lookup(c) is not None for c in self._configs])
        self._X = np.stack([base.space.encode(c) for c in self._configs])
        self._rounds = np.array([base.objective.params(c)[1] for c in self._configs], np.float64)

    def extra(self) -> dict[str, Any]:
        return dict(self._extra)

    def ask(self) -> Proposal | None:
        config = self._propose(self._env)
        return None if config is None else Proposal(config)

    def _propose(self, env: HPOEnv) -> dict[str, Any] | None:
        self._proposed += 1
        if not self._configs or (self.prior_for is not None and self._proposed > self.prior_for):
            return None
        n = len(env.unwrapped.history.records)
        if n >= self.min_records and n - self._fit_at >= max(1.0, self.refit_growth * n):
            rank = self._predict(env)
            if rank is not None:
                self._rank, self._fit_at = rank, n
        if self._fit_at:
            self._ranked += 1
            if self.tpe_every and self._ranked % self.tpe_every == 0:
                return None
        # Each pool member is proposed once: a pruned one is not in the cache, but was tried.
        if self._tried.all():
            pick = 0
        elif self._fit_at:
            pick = int(np.argmax(np.where(self._tried, -np.inf, self._rank)))
        else:
            nxt = np.flatnonzero(~self._tried)[: self.cheap_of]
            pick = int(nxt[np.argmin(self._rounds[nxt])])
        self._tried[pick] = True
        return self._configs[pick]

    def _predict(self, env: HPOEnv) -> np.ndarray | None:
        """The model's predicted score of each pool member at full fidelity; None while the
        scores seen do not differ."""
        base = env.unwrapped
        X, y = fidelity_dataset(base.space, base.history.records)
        if len(np.unique(y)) < 2:
            return None
        return self.model.fit(X, y).predict(np.column_stack([self._X, np.ones((len(self._X), 2))]))[0]


class PriorHyperbandAgent(LoopAgent):
    """Hyperband (Optuna's pruner on the learning curves) with the prior's proposals, screened by
    a reward model over fidelities, and TPE's (:class:`PriorPoolProposer`, then TPE).

    Args:
        brackets: as in :class:`~agents.loop.Hyperband`; ``"tpe-hyperband"`` pairs this
            agent's runs with ``tpe-hyperband``'s.
        **settings: :class:`PriorPoolProposer`'s (``prior``, ``pool``, ``prior_for``, ...).
    """

    NAME = "rppo-prior-hb"

    def __init__(self, brackets: str | None = None, **settings: Any) -> None:
        super().__init__(self.NAME, Chain(PriorPoolProposer(**settings), OptunaProposer("tpe")), Hyperband(brackets))
