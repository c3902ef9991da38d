"""FLAML's CFO and BlendSearch (Wu, Wang & Huang, AAAI 2021; Wang et al., ICLR 2021) as proposers.

Both start from a low-cost configuration and are told each evaluation's seconds as its
cost, so they keep early evaluations cheap. They start where FLAML's own XGBoost estimator
starts (:data:`FLAML_XGB_START`, clipped to the env's space): a random start for the
dimensions without a low-cost value can be a model that predicts the majority class, on
whose flat accuracy plateau CFO never moves (``../shared/FINDINGS.md``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from agents.loop import LoopAgent, Proposal, Proposer
from hpo_env.adapters import flaml_space
from hpo_env.env import HPOEnv
from hpo_env.spaces import Categorical, Int, SearchSpace

__all__ = ["FLAML_XGB_START", "FLAMLAgent", "FLAMLProposer", "flaml_space"]

#: Where FLAML's ``XGBoostLimitDepthEstimator`` starts (its init values, FLAML 2.x), by our
#: hyperparameter names; ``gamma``, which FLAML does not tune, at XGBoost's default 0 (clipped
#: up to the space's lower bound), and ``booster`` at XGBoost's default where it is tuned.
#: ``n_estimators`` is the low-cost dimension: FLAML starts it at 4, clipped to the space.
FLAML_XGB_START: dict[str, Any] = {
    "n_estimators": 4, "max_depth": 6, "min_child_weight": 1.0, "learning_rate": 0.3, "subsample": 1.0,
    "colsample_bytree": 1.0, "colsample_bylevel": 1.0, "reg_alpha": 2.0**-10, "reg_lambda": 1.0, "gamma": 0.0,
    "booster": "gbtree",
}  # fmt: skip
#: XGBoost's R names (YAHPO's ``rbv2_xgboost`` space) for the same hyperparameters.
ALIASES: dict[str, str] = {
    "nrounds": "n_estimators", "eta": "learning_rate", "lambda": "reg_lambda", "alpha": "reg_alpha",
}  # fmt: skip
#: The dimensions FLAML treats as low-cost: their start is the cheapest value in the space.
LOW_COST: tuple[str, ...] = ("n_estimators", "nrounds")
#: The result key that carries an evaluation's seconds to FLAML (its ``cost_attr="auto"``).
COST_KEY = "time_total_s"
METRIC = "reward"


def _start(space: SearchSpace, given: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """FLAML's XGBoost start (with ``given`` values, by FLAML's names, in its place) clipped to
    ``space``, and the low-cost part of it."""
    start: dict[str, Any] = {}
    values = {**FLAML_XGB_START, **(given or {})}
    for hp in space:
        v = values.get(ALIASES.get(hp.name, hp.name))
        if v is None:
            continue
        if isinstance(hp, Categorical):
            if v in hp.choices:
                start[hp.name] = v
            continue
        v = min(max(v, hp.low), hp.high)
        start[hp.name] = round(v) if isinstance(hp, Int) else float(v)
    return start, {k: start[k] for k in LOW_COST if k in start}


class FLAMLProposer(Proposer):
    """FLAML's ``CFO`` or ``BlendSearch`` through suggest / on_trial_complete, told each
    evaluation's seconds (``info["eval_seconds"]``, simulated in fast mode) as its cost.

    Args:
        searcher: ``"cfo"`` (local search from the start) or ``"bs"`` (BlendSearch: CFO
            blended with a global search, Optuna's TPE).
        zeroshot: start from FLAML's data-dependent defaults for the task
            (:func:`~agents.peers.flaml_zeroshot.zeroshot_start`), evaluated first, instead of
            its XGBoost estimator's fixed start; ``n_estimators`` is then no low-cost dimension.
        portfolio: a :class:`~agents.baselines.PortfolioProposer` (anything with ``start``,
            ``configs`` and ``extra``) whose configurations are evaluated after the start, as
            FLAML's ``points_to_evaluate``: CFO then searches locally from the best of them
            (``portfolio-cfo``, composed in :mod:`agents.registry`). Its record joins ``extra``.
    """

    SEARCHERS: ClassVar[tuple[str, ...]] = ("cfo", "bs")
    requires: ClassVar[tuple[str, ...]] = ("flaml",)

    def __init__(self, searcher: str = "cfo", zeroshot: bool = False, portfolio: Any = None) -> None:
        if searcher not in self.SEARCHERS:
            raise ValueError(f"searcher={searcher!r}; expected one of {self.SEARCHERS}")
        self.searcher, self.zeroshot, self.portfolio = searcher, zeroshot, portfolio
        if searcher == "bs":
            self.requires = ("flaml", "optuna")  # type: ignore[misc]

    def start(self, env: HPOEnv, seed: int, budget: int, study: Any) -> None:
        import logging

        from flaml.tune.searcher.blendsearch import CFO, BlendSearch

        logging.getLogger("flaml").setLevel(logging.WARNING)
        if self.searcher == "bs":
            import optuna

            optuna.logging.set_verbosity(optuna.logging.WARNING)  # BlendSearch's TPE
        space = env.unwrapped.space
        given = None
        if self.zeroshot:
            from agents.peers.flaml_zeroshot import zeroshot_start

            given = zeroshot_start(env.unwrapped)
        start, low_cost = _start(space, given)
        if given is not None:
            low_cost = {}  # the suggestion's own n_estimators is where the search starts
        points = [dict(start)] if start else []
        if self.portfolio is not None:
            self.portfolio.start(env, seed, budget, study)
            points += self.portfolio.configs()
        cls = CFO if self.searcher == "cfo" else BlendSearch
        self._search = cls(
            metric=METRIC, mode="max", space=flaml_space(space), low_cost_partial_config=low_cost or None,
            points_to_evaluate=points or None, seed=seed, cost_attr=COST_KEY,
        )  # fmt: skip
        self._space, self._n = space, 0

    def ask(self) -> Proposal | None:
        trial_id = f"t{self._n}"
        self._n += 1
        config = self._search.suggest(trial_id)
        if config is None:  # the searcher has converged and has nothing left to try
            return None
        return Proposal({name: config[name] for name in self._space.names}, handle=(trial_id, config))

    def tell(self, proposal: Proposal, reward: float, info: dict[str, Any]) -> None:
        seconds = float(info.get("eval_seconds") or 0.0)
        trial_id, config = proposal.handle
        # Ray Tune's flat "config/<name>" keys too: CFO reads the best of several start points from them.
        result = {METRIC: float(reward), COST_KEY: seconds if math.isfinite(seconds) else 0.0, "config": config,
                  **{f"config/{k}": v for k, v in config.items()}}  # fmt: skip
        self._search.on_trial_complete(trial_id, result)

    def extra(self) -> dict[str, Any]:
        return {} if self.portfolio is None else self.portfolio.extra()


class FLAMLAgent(LoopAgent):
    """``flaml-cfo``, ``flaml-bs`` or ``flaml-zeroshot`` (CFO from FLAML's zero-shot
    defaults): :class:`FLAMLProposer`, each configuration trained in full.

    Needs the optional extra: ``pip install -e ".[peers]"``.
    """

    def __init__(self, searcher: str = "cfo", zeroshot: bool = False) -> None:
        name = "flaml-zeroshot" if zeroshot else f"flaml-{searcher}"
        super().__init__(name, FLAMLProposer(searcher, zeroshot=zeroshot))
