"""``RLSearchCV`` in scikit-learn's own machinery: clone, Pipeline, cross_val_score, RandomizedSearchCV's keys."""

import re

import numpy as np
import pytest
from scipy.stats import loguniform, randint, uniform
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.model_selection import RandomizedSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from agents import RLSearchCV
from hpo_env import Float, Int, SearchSpace

SMALL = SearchSpace([Float("learning_rate", 0.01, 0.5, log=True), Int("max_depth", 1, 6), Int("n_estimators", 5, 40)])


def xgb():
    return XGBClassifier(tree_method="hist", n_jobs=1)


def test_clone_keeps_every_setting_and_no_fitted_state():
    s = RLSearchCV(xgb(), space=SMALL, agent="tpe", n_iter=7, cv=3, random_state=4)
    c = clone(s)
    assert c.get_params()["n_iter"] == 7 and c.agent == "tpe" and c.space is not s.space
    assert not hasattr(c, "best_params_")


def test_cv_results_have_randomized_search_cv_keys_and_agree_with_best():
    X, y = load_iris(return_X_y=True)
    names = ["iris-setosa", "iris-versicolor", "iris-virginica"]
    labels = np.array(names)[y]  # text labels, decoded back by predict
    ours = RLSearchCV(xgb(), space=SMALL, agent="random", n_iter=5, cv=3, random_state=0).fit(X, labels)
    dists = {"learning_rate": loguniform(0.01, 0.5), "max_depth": randint(1, 7), "n_estimators": randint(5, 41)}
    theirs = RandomizedSearchCV(xgb(), dists, n_iter=5, cv=3, random_state=0).fit(X, y)
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    r = ours.cv_results_
    assert len(r["params"]) == 5 and r["rank_test_score"][ours.best_index_] == 1
    assert ours.best_score_ == pytest.approx(max(r["mean_test_score"]))
    assert ours.best_params_ == r["params"][ours.best_index_] and ours.n_splits_ == 3
    assert ours.session_["best_val"] == ours.best_score_ and ours.session_["n_real_evals"] == 5
    assert set(ours.predict(X)) <= set(names) and ours.score(X, labels) > 0.9
    assert ours.predict_proba(X).shape == (150, 3)


def test_in_a_pipeline_under_cross_val_score_with_the_default_agent():
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), RLSearchCV(xgb(), n_iter=3, cv=2, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=2)
    assert scores.shape == (2,) and (scores > 0.7).all()


def test_a_regressor_is_searched_by_r2_and_refuses_the_classification_prior():
    X, y = load_diabetes(return_X_y=True)
    search = RLSearchCV(XGBRegressor(tree_method="hist", n_jobs=1), space=SMALL, n_iter=4, cv=3, random_state=0)
    assert is_regressor(search) and not is_classifier(search)
    scores = cross_val_score(search, X, y, cv=2)  # KFold for a regressor: continuous y cannot be stratified
    assert scores.shape == (2,) and (scores > 0.0).all()
    search.fit(X, y)
    assert search.predict(X[:3]).dtype.kind == "f" and search.score(X, y) > search.best_score_ > 0.0
    with pytest.raises(ValueError, match="prior, which is for classification"):
        RLSearchCV(XGBRegressor(), agent="rppo-prior", n_iter=2).fit(X, y)


def test_bad_input_is_one_clear_error():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"space names \['nope'\]"):
        RLSearchCV(xgb(), space=SearchSpace([Float("nope", 0.0, 1.0)])).fit(X, y)
    with pytest.raises(ValueError, match="unknown agent 'bogus'"):
        RLSearchCV(xgb(), agent="bogus", n_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="must be an xgboost.XGBClassifier or XGBRegressor"):
        RLSearchCV(uniform(), n_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="agent 'tpe', which makes only full evaluations"):
        RLSearchCV(xgb(), agent="tpe", n_iter=2, multi_fidelity=True).fit(X, y)
    with pytest.raises(ValueError, match="agent 'tpe-hyperband', which trains configurations partially"):
        RLSearchCV(xgb(), agent="tpe-hyperband", n_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="prior='x.pt' with agent 'tpe', which learns nothing across tasks"):
        RLSearchCV(xgb(), agent="tpe", prior="x.pt", n_iter=2).fit(X, y)


def test_multi_fidelity_stops_poor_configurations_and_picks_a_full_cross_validation():
    X, y = load_wine(return_X_y=True)  # the one table the shipped prior did not see
    search = RLSearchCV(xgb(), space=SMALL, n_iter=8, cv=3, random_state=0, multi_fidelity=True).fit(X, y)
    r = search.cv_results_
    pruned, cost = r["pruned"], r["cost"]
    assert pruned.any() and not pruned[search.best_index_]
    assert np.isnan(r["mean_test_score"][pruned]).all() and (r["rank_test_score"][pruned] > (~pruned).sum()).all()
    assert (cost[pruned] <= 1 / 3 + 1e-9).all() and (cost[~pruned] == 1.0).all()
    assert 8 <= cost.sum() < 9  # n_iter counts full-evaluation equivalents; the last may pass it
    # The incumbent's score is scikit-learn's own CV of it (its first fold was trained in pieces).
    best = cross_val_score(xgb().set_params(**search.best_params_), X, y, cv=3)
    assert search.best_score_ == pytest.approx(best.mean(), abs=1e-9)
    assert r["split0_test_score"][search.best_index_] == pytest.approx(best[0], abs=1e-9)


def test_multi_fidelity_by_default_proposes_the_shipped_portfolios_cost_aware_order_first(recwarn):
    from agents.transfer.portfolio import load_portfolio

    X, y = load_wine(return_X_y=True)
    search = RLSearchCV(xgb(), n_iter=3, cv=2, random_state=1, multi_fidelity=True).fit(X, y)
    assert not [w for w in recwarn if "goes on with TPE" in str(w.message)]  # the portfolio was used
    first, want = search.cv_results_["params"][0], load_portfolio(cost_aware=True)["configs"][0]
    assert first == pytest.approx(want, rel=1e-6)  # the env plays actions in float32
    assert not search.cv_results_["pruned"][search.best_index_] and search.score(X, y) > 0.9


def test_prior_reaches_the_agent(tmp_path):
    X, y = load_wine(return_X_y=True)
    missing = tmp_path / "missing.json"
    said = f"goes on with TPE's proposals: no portfolio at {re.escape(str(missing))}"
    with pytest.warns(UserWarning, match=said):
        RLSearchCV(xgb(), space=SMALL, n_iter=2, cv=2, multi_fidelity=True, prior=missing).fit(X, y)


def test_a_time_budget_stops_the_search_and_auto_then_spends_seconds_partially():
    X, y = load_wine(return_X_y=True)
    search = RLSearchCV(xgb(), space=SMALL, n_iter=1000, cv=3, random_state=0, time_budget=2.0).fit(X, y)
    s = search.session_
    assert s["agent"] == "portfolio-tpe-hyperband" and s["extra"]["stopped_by"] == "time_budget"
    assert 2.0 <= s["wall_s"] < 2.0 + 3.0 and s["full_evals"] < 1000  # the last evaluation may pass the budget
    assert search.cv_results_["pruned"].any() and np.isfinite(search.best_score_)
    with pytest.raises(ValueError, match=r"time_budget=0; expected seconds > 0"):
        RLSearchCV(xgb(), time_budget=0).fit(X, y)
