"""A search space in other libraries' terms, and back: the one place that maps our typed
hyperparameters (:mod:`hpo_env.spaces`) to Optuna distributions, ConfigSpace, FLAML's and
Syne Tune's domains, and an Optuna distribution to an action.

Uniform sampling in numpy is :meth:`SearchSpace.sample <hpo_env.spaces.SearchSpace.sample>`.
Each library is imported only when its adapter is called. FLAML and Syne Tune have no
conditions: their spaces hold every hyperparameter, and the env ignores an inactive one.
"""

from __future__ import annotations

from typing import Any

from hpo_env.spaces import Categorical, Float, Hyperparameter, Int, SearchSpace

__all__ = ["OptunaParam", "configspace", "flaml_space", "optuna_distributions", "suggest_config", "synetune_space"]


def _kind(hp: Hyperparameter) -> str:
    """``"float"``, ``"int"`` or ``"categorical"``: the one type switch every adapter uses."""
    if isinstance(hp, Float):
        return "float"
    if isinstance(hp, Int):
        return "int"
    if isinstance(hp, Categorical):
        return "categorical"
    raise TypeError(f"unsupported hyperparameter {hp!r}; expected Float, Int or Categorical")


def optuna_distributions(space: SearchSpace) -> dict[str, Any]:
    """Optuna distributions of a search space, one per hyperparameter."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    make = {
        "float": lambda hp: FloatDistribution(hp.low, hp.high, log=hp.log),
        "int": lambda hp: IntDistribution(hp.low, hp.high, log=hp.log),
        "categorical": lambda hp: CategoricalDistribution(list(hp.choices)),
    }
    return {hp.name: make[_kind(hp)](hp) for hp in space}


def suggest_config(trial: Any, space: SearchSpace) -> dict[str, Any]:
    """Ask an Optuna ``trial`` for every active hyperparameter of ``space``, in order, with
    Optuna's public ``suggest_*`` calls (so wrappers such as Ray Tune's see them). In a
    conditional space this is Optuna's define-by-run: an inactive one is never suggested."""
    ask = {
        "float": lambda hp: trial.suggest_float(hp.name, hp.low, hp.high, log=hp.log),
        "int": lambda hp: trial.suggest_int(hp.name, hp.low, hp.high, log=hp.log),
        "categorical": lambda hp: trial.suggest_categorical(hp.name, list(hp.choices)),
    }
    config: dict[str, Any] = {}
    for hp in space:
        if space.is_active(hp.name, config):
            config[hp.name] = ask[_kind(hp)](hp)
    return config


def configspace(space: SearchSpace, seed: int | None = None) -> Any:
    r"""A ConfigSpace ``ConfigurationSpace`` of ``space`` (for SMAC3), its conditions as
    ``InCondition``\ s, so a configuration holds the active hyperparameters only."""
    import ConfigSpace as CS

    make = {
        "float": lambda hp: CS.Float(hp.name, (hp.low, hp.high), log=hp.log),
        "int": lambda hp: CS.Integer(hp.name, (hp.low, hp.high), log=hp.log),
        "categorical": lambda hp: CS.Categorical(hp.name, list(hp.choices)),
    }
    cs = CS.ConfigurationSpace(seed=seed)
    hps = {hp.name: make[_kind(hp)](hp) for hp in space}
    cs.add(list(hps.values()))
    for child, (parent, values) in space.conditions.items():
        cs.add(CS.InCondition(hps[child], hps[parent], list(values)))
    return cs


def flaml_space(space: SearchSpace) -> dict[str, Any]:
    """``space`` as a FLAML search space (``flaml.tune`` domains; integer upper bounds inclusive)."""
    from flaml import tune

    make = {
        "float": lambda hp: (tune.loguniform if hp.log else tune.uniform)(float(hp.low), float(hp.high)),
        "int": lambda hp: (tune.lograndint if hp.log else tune.randint)(int(hp.low), int(hp.high) + 1),
        "categorical": lambda hp: tune.choice(list(hp.choices)),
    }
    return {hp.name: make[_kind(hp)](hp) for hp in space}


def synetune_space(space: SearchSpace) -> dict[str, Any]:
    """``space`` as a Syne Tune configuration space (its domains; integer bounds inclusive)."""
    from syne_tune import config_space as st

    make = {
        "float": lambda hp: (st.loguniform if hp.log else st.uniform)(float(hp.low), float(hp.high)),
        "int": lambda hp: (st.lograndint if hp.log else st.randint)(int(hp.low), int(hp.high)),
        "categorical": lambda hp: st.choice(list(hp.choices)),
    }
    return {hp.name: make[_kind(hp)](hp) for hp in space}


class OptunaParam:
    """One Optuna distribution seen as our typed hyperparameter, which maps actions to values.

    A stepped distribution becomes an integer index over its grid. ``hp`` is None when
    the distribution has one value only: there is nothing to decide and no policy step.
    """

    def __init__(self, name: str, dist: Any) -> None:
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        self.dist, self.grid = dist, False
        self.categorical = isinstance(dist, CategoricalDistribution)
        self.integer = isinstance(dist, IntDistribution)
        self.hp: Hyperparameter | None = None
        if self.categorical:
            if len(dist.choices) > 1:
                self.hp = Categorical(name, tuple(range(len(dist.choices))))
        elif isinstance(dist, (FloatDistribution, IntDistribution)):
            if dist.high > dist.low:
                if dist.step is not None and not (self.integer and dist.step == 1):
                    self.hp, self.grid = Int(name, 0, round((dist.high - dist.low) / dist.step)), True
                else:
                    self.hp = (Int if self.integer else Float)(name, dist.low, dist.high, log=dist.log)
        else:
            raise ValueError(f"unsupported distribution for {name!r}: {dist!r}")

    def value(self, action: float) -> Any:
        """The parameter value of ``action``, in plain Python types as Optuna expects."""
        d = self.dist
        if self.categorical:
            return d.choices[0 if self.hp is None else self.hp.decode(action)]
        if self.hp is None:
            return type(d.low)(d.low)
        v = self.hp.decode(action)
        if self.grid:
            v = min(d.low + v * d.step, d.high)
        return int(v) if self.integer else float(v)

    def action(self, value: Any) -> float:
        """The action that :meth:`value` maps to ``value``."""
        if self.hp is None:
            return 0.0
        d = self.dist
        if self.categorical:
            return self.hp.encode(d.choices.index(value))
        if self.grid:
            return self.hp.encode(round((value - d.low) / d.step))
        return self.hp.encode(value)
