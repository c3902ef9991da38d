"""``RLSearchCV`` in scikit-learn's own machinery: clone, Pipeline, cross_val_score, RandomizedSearchCV's keys."""

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
