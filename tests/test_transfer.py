"""The adaptive portfolio: RGPE's table weights, the weighted gain, the pool written beside each
portfolio, and the agent that proposes from it before TPE."""

import warnings

import numpy as np
import pytest

import hpo_env
from agents.base import run_agent
from agents.registry import make_agent
from agents.transfer.adaptive import AdaptivePortfolio, TransferPool, pool_path, rgpe_weights, weighted_gain
from agents.transfer.portfolio import build_portfolio, greedy_portfolio, load_portfolio


def test_rgpe_weights_go_to_the_table_that_ranks_the_scores_and_are_uniform_before_two():
    rng = np.random.default_rng(0)
    y = np.array([0.1, 0.5, 0.3, 0.9])
    pct = np.column_stack([y, -y, np.zeros(4)])  # same order, reversed, no order at all
    w = rgpe_weights(pct, y, rng)
    assert w[0] == pytest.approx(1.0) and w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(rgpe_weights(pct[:1], y[:1], rng), np.full(3, 1 / 3))


def test_weighted_gain_with_uniform_weights_is_the_greedy_portfolios_choice():
    pct = np.random.default_rng(1).uniform(size=(50, 6))
    best = np.zeros(6)
    for i in greedy_portfolio(pct, 4):
        gain = weighted_gain(pct, best)
        assert int(np.argmax(gain)) == i
        best = np.maximum(best, pct[i])


def test_the_adaptive_portfolio_follows_the_table_that_ranks_what_was_measured():
    # Two tables disagree; the task's scores follow table 1, so the next pick is table 1's best.
    pct = np.array([[0.9, 0.1], [0.1, 0.9], [0.6, 0.6], [0.95, 0.05], [0.05, 0.95]])
    ap = AdaptivePortfolio(TransferPool(np.zeros((5, 2)), pct, ["a", "b"]), seed=0)
    assert ap.ask() == 2  # uniform weights: the best on average, as the greedy portfolio
    for row, score in ((0, 0.2), (1, 0.8)):
        ap.tell(row, score)
    assert ap.ask() == 4  # table 0 would pick 3 (it gains as much there)


def test_the_adaptive_portfolio_stops_when_no_member_gains():
    ap = AdaptivePortfolio(TransferPool(np.zeros((2, 2)), np.array([[1.0, 1.0], [0.5, 0.2]]), ["a", "b"]))
    assert ap.ask() == 0
    ap.tell(0, 0.5)
    assert ap.ask() is None


def test_a_portfolio_is_written_with_its_pool_which_starts_with_the_portfolio(tmp_path):
    doc = load_portfolio(build_portfolio(tmp_path / "p.json", tasks=["iris", "wine"], k=3))
    pool = TransferPool.load(pool_path(doc["path"]))
    space = hpo_env.make_surrogate_env("iris", seed=0).space
    want = np.array([space.encode(c) for c in doc["configs"]])
    np.testing.assert_allclose(pool.actions[:3], want, atol=1e-6)
    assert pool.tasks == ["iris", "wine"] and pool.percentiles.shape == (len(pool.actions), 2)
    assert pool.percentiles.min() >= 0 and pool.percentiles.max() <= 1


def test_adaptive_portfolio_tpe_starts_with_the_portfolios_first_and_says_what_it_used(tmp_path):
    build_portfolio(tmp_path / "pmlb_heart_c.json", tasks=["iris", "wine", "breast_cancer"], k=4)
    env = hpo_env.make_surrogate_env("pmlb:heart_c", seed=0)
    res = run_agent(make_agent("adaptive-portfolio-tpe", prior=str(tmp_path)), env, 8, 0, task="pmlb:heart_c")
    assert res.extra == {"portfolio": str(tmp_path / "pmlb_heart_c.json"), "prior_saw_task": False}
    assert res.n_real_evals == 8
    first = env.space.encode(env.history.records[0]["config"])
    want = env.space.encode(load_portfolio(tmp_path / "pmlb_heart_c.json")["configs"][0])
    np.testing.assert_allclose(first, want, atol=1e-6)


def test_a_portfolio_without_its_pool_is_named_and_the_agent_goes_on_with_tpe(tmp_path):
    build_portfolio(tmp_path / "pmlb_heart_c.json", tasks=["iris", "wine"], k=2)
    pool_path(tmp_path / "pmlb_heart_c.json").unlink()
    env = hpo_env.make_surrogate_env("pmlb:heart_c", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_agent(make_agent("adaptive-portfolio-tpe", prior=str(tmp_path)), env, 5, 0, task="pmlb:heart_c")
    assert any("no pool beside the portfolio" in str(w.message) for w in caught)
    assert res.extra["portfolio"] is None and res.n_real_evals == 5
