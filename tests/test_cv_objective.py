"""``CVObjective``: partial evaluations of a cross-validated XGBoost estimator add up, and a
full one is ``cross_validate``'s."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import StratifiedKFold, cross_validate
from xgboost import XGBClassifier

from hpo_env import Float, Int, SearchSpace
from hpo_env.fidelity import RUNG_STEPS, Fidelity, FidelityRun
from hpo_env.history import config_key
from hpo_env.objectives import CVObjective

SPACE = SearchSpace([Float("learning_rate", 0.01, 0.5, log=True), Int("n_estimators", 5, 60)])
CONFIG = {"learning_rate": 0.1, "n_estimators": 27}


@pytest.fixture(scope="module")
def objective():
    X, y = load_wine(return_X_y=True)
    cv = StratifiedKFold(3)
    return CVObjective(XGBClassifier(tree_method="hist", n_jobs=1), X, y, space=SPACE, cv=cv)


@pytest.mark.parametrize(("rounds", "data"), [(1 / 3, 1.0), (1 / 9, 0.5), (1.0, 0.5)])
def test_a_partial_evaluation_costs_its_share_of_every_folds_rounds_and_rows(objective, rounds, data):
    run = FidelityRun(Fidelity(rounds, data))
    ev = objective.evaluate(CONFIG, run)
    assert run.rounds_full == 27 and run.rounds_trained == 3 * round(27 * rounds)
    assert ev.cost == pytest.approx(rounds * data, abs=1e-6) and not ev.pruned and ev.curve is None
    assert 0.5 < ev.val_score <= 1.0 and ev.fidelity == {"rounds": rounds, "data": data}


def test_a_reporter_sees_the_first_fold_at_the_rungs_and_can_stop_it(objective):
    seen = []
    run = FidelityRun(None, lambda step, score: seen.append(step) or step >= 3)
    ev = objective.evaluate(CONFIG, run)
    assert seen == [1, 3] and ev.pruned and [p[0] for p in ev.curve] == [1, 3]
    assert ev.cost == pytest.approx(3 / (27 * 3), abs=1e-6) and ev.val_score == ev.curve[-1][1]


def test_a_full_evaluation_with_a_curve_scores_as_cross_validate_does(objective):
    run = FidelityRun(None, lambda step, score: False)
    ev = objective.evaluate(CONFIG, run)
    assert [p[0] for p in ev.curve] == list(RUNG_STEPS) and not ev.pruned and ev.cost is None
    est = XGBClassifier(tree_method="hist", n_jobs=1, **CONFIG)
    theirs = cross_validate(est, objective.X, objective.y, cv=objective.cv)["test_score"]
    assert ev.val_score == pytest.approx(theirs.mean(), abs=1e-9)
    assert ev.curve[-1][1] == pytest.approx(theirs[0], abs=1e-9)  # trained in 4 pieces, scored alike
    plain = objective.evaluate(CONFIG)
    assert plain.val_score == pytest.approx(theirs.mean(), abs=1e-12) and plain.cost is None
    assert np.allclose(objective.runs[config_key(CONFIG)]["test_score"], theirs)
