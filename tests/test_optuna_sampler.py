"""Our recurrent agent as an Optuna sampler: Optuna's own sampler test suite, and learning on real objectives."""

import math

import numpy as np
import optuna
import pytest
from optuna.testing.pytest_samplers import BasicSamplerTestCase, SingleOnlySamplerTestCase

import hpo_env
from agents.rppo.optuna_sampler import RecurrentPPOSampler
from hpo_env.adapters import suggest_config

optuna.logging.set_verbosity(optuna.logging.WARNING)


class TestOptunaSamplerSuite(BasicSamplerTestCase, SingleOnlySamplerTestCase):
    """Optuna's shipped contract for samplers (``optuna.testing.pytest_samplers``)."""

    @pytest.fixture
    def sampler(self):
        return lambda: RecurrentPPOSampler(seed=0, episodes_per_update=2)


def xgb_objective(task="breast_cancer"):
    """An Optuna objective over HPO-XGB-v0's own search space and objective (real XGBoost)."""
    env = hpo_env.make_xgb_env(task, seed=0)

    def objective(trial):
        return env.objective.evaluate(suggest_config(trial, env.space)).val_score

    return objective, env.space


@pytest.mark.parametrize("model_based", [False, True])
def test_thirty_trials_on_the_xgb_env_objective(model_based):
    objective, space = xgb_objective()
    sampler = RecurrentPPOSampler(seed=0, model_based=model_based)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=30)
    values = [t.value for t in study.trials]
    assert len(values) == 30 and all(v is not None and 0 <= v <= 1 for v in values)
    # The policy learned from the finished trials (an update every 8), and its proposals differ.
    assert sampler.n_updates >= 3 and len({tuple(sorted(t.params.items())) for t in study.trials}) == 30
    # With the reward model, updates on model episodes come on top of the real ones.
    assert (sampler.n_model_episodes > 0 and sampler.n_updates > 3) if model_based else sampler.n_model_episodes == 0
    for t in study.trials:  # every proposal is a valid configuration of the env's space
        space.encode(t.params)
    assert sampler.n_updates >= 30 // 8  # it learned as trials finished
    if model_based:
        assert sampler.n_model_episodes > 0 and sampler.stretches
        m = sampler.model_settings
        assert all(s["kl"] > m.kl_threshold or s["updates"] == m.max_model_updates
                   for s in sampler.stretches)  # fmt: skip


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_learns_a_one_dimensional_optimum(direction):
    """Mean distance to the optimum shrinks as trials finish, whichever the study's direction."""
    sign = 1.0 if direction == "maximize" else -1.0
    study = optuna.create_study(direction=direction, sampler=RecurrentPPOSampler(seed=0, episodes_per_update=8))
    study.optimize(lambda t: sign * -((t.suggest_float("x", -1.0, 1.0) - 0.6) ** 2), n_trials=240)
    dist = np.abs(np.array([t.params["x"] for t in study.trials]) - 0.6)
    assert dist[-40:].mean() < dist[:40].mean() - 0.15, (dist[:40].mean(), dist[-40:].mean())


def test_conditional_space_failures_and_pruning_do_not_stop_the_study():
    sampler = RecurrentPPOSampler(seed=0, episodes_per_update=4)

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["a", "b", "fail", "prune"])
        if kind == "fail":
            raise RuntimeError("this configuration crashes")
        if kind == "prune":
            trial.report(0.1, step=0)
            raise optuna.TrialPruned
        x = trial.suggest_float(f"x_{kind}", 0.0, 1.0)
        return x if kind == "a" else math.nan if x < 0.2 else 0.5 * x

    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=40, catch=(RuntimeError,))
    states = {t.state for t in study.trials}
    assert optuna.trial.TrialState.FAIL in states and optuna.trial.TrialState.PRUNED in states
    assert len(study.trials) == 40 and sampler.n_updates == 10
    assert set(sampler._slots) >= {"kind", "x_a", "x_b"}


def test_too_many_parameters_is_refused_with_the_limit_named():
    study = optuna.create_study(sampler=RecurrentPPOSampler(seed=0, max_params=2))
    with pytest.raises(ValueError, match="max_params=2"):
        study.optimize(lambda t: sum(t.suggest_float(f"p{i}", 0, 1) for i in range(3)), n_trials=1, catch=())


def test_a_screening_setting_is_refused_not_ignored():
    from agents.rppo.presets import ModelSettings

    with pytest.raises(ValueError, match=r"takes no screening: model screen=8; expected 0"):
        RecurrentPPOSampler(model_based=True, model=ModelSettings(screen=8))
