"""The one loop (agents.loop): any proposer under any schedule, and the peers as proposers.

Real XGBoost on small built-in tasks: each run takes a second or two.
"""

import numpy as np
import pytest

import hpo_env
from agents.base import run_agent
from agents.loop import Chain, Hyperband, LoopAgent, OptunaProposer, Proposer, QueueProposer, RandomProposer
from agents.registry import make_agent
from hpo_env.fidelity import full_evals, is_full


def test_any_proposer_runs_under_hyperband_and_the_budget_counts_full_evaluations():
    pytest.importorskip("optuna")
    env = hpo_env.make_xgb_env("breast_cancer", seed=0)
    agent = LoopAgent("random-hyperband", RandomProposer(), Hyperband())
    assert agent.multi_fidelity and agent.requires == ("optuna",)
    res = run_agent(agent, env, 8, seed=0)
    records = env.history.records
    assert any(r.get("pruned") for r in records) and res.n_real_evals > 8
    assert res.full_evals >= 8 > full_evals(records[:-1])
    assert res.best_val == max(r["val_score"] for r in records if is_full(r))


def test_a_chain_proposes_its_queue_first_and_the_study_learns_from_it():
    pytest.importorskip("optuna")
    env = hpo_env.make_xgb_env("wine", seed=0)
    queue = [env.space.sample(np.random.default_rng(i)) for i in range(2)]
    tpe = OptunaProposer("tpe")
    agent = LoopAgent("queue-tpe", Chain(QueueProposer(queue), tpe))
    run_agent(agent, env, 5, seed=0)
    configs = [r["config"] for r in env.history.records]
    assert [env.space.encode(c).round(6).tolist() for c in configs[:2]] == [
        env.space.encode(c).round(6).tolist() for c in queue
    ]
    trials = tpe._study.trials
    assert len(trials) == 5 and [t.value for t in trials] == [r["val_score"] for r in env.history.records]


def test_a_chain_refuses_two_optuna_samplers_and_a_proposer_with_nothing_left_ends_the_run():
    pytest.importorskip("optuna")
    with pytest.raises(ValueError, match="at most one proposer that samples with Optuna"):
        Chain(OptunaProposer("tpe"), OptunaProposer("cmaes")).sampler(0)
    env = hpo_env.make_xgb_env("iris", seed=0)
    res = run_agent(LoopAgent("two", QueueProposer([env.space.sample(np.random.default_rng(0))])), env, 3, 0)
    assert res.n_real_evals == 1


class _Counting(Proposer):
    """Proposes random configurations and records what it is told."""

    def __init__(self):
        self.inner, self.told = RandomProposer(), []

    def start(self, env, seed, budget, study):
        self.inner.start(env, seed, budget, study)

    def ask(self):
        return self.inner.ask()

    def tell(self, proposal, reward, info):
        self.told.append((proposal.config, reward, info["eval_seconds"]))


def test_each_proposal_is_told_its_reward_and_seconds():
    env = hpo_env.make_xgb_env("iris", seed=0)
    p = _Counting()
    run_agent(LoopAgent("counting", p), env, 3, seed=0)
    records = env.history.records
    assert [r for _, r, _ in p.told] == [r["val_score"] for r in records]  # the env's configs are float32 round trips
    assert [env.space.encode(c) for c, _, _ in p.told] == [pytest.approx(env.space.encode(r["config"]), abs=1e-6)
                                                          for r in records]  # fmt: skip
    assert all(s > 0 for _, _, s in p.told)


@pytest.mark.parametrize("searcher", ["cfo", "bs"])
def test_flaml_starts_where_its_xgboost_estimator_starts_and_is_told_each_cost(searcher, monkeypatch):
    pytest.importorskip("flaml")
    from flaml.tune.searcher.blendsearch import CFO, BlendSearch

    from agents.peers import FLAMLAgent

    told = []
    cls = CFO if searcher == "cfo" else BlendSearch
    real = cls.on_trial_complete
    monkeypatch.setattr(cls, "on_trial_complete", lambda self, tid, result=None, error=False: (
        told.append(result), real(self, tid, result, error))[1])  # fmt: skip

    env = hpo_env.make_xgb_env("wine", seed=0)
    agent = FLAMLAgent(searcher)
    res = run_agent(agent, env, 6, seed=0)
    first = env.history.records[0]["config"]
    # FLAML's init values, clipped to the space: n_estimators 4 -> 20, gamma 0 -> 1e-3.
    assert first["n_estimators"] == 20 and first["max_depth"] == 6
    assert first["learning_rate"] == pytest.approx(0.3) and first["subsample"] == pytest.approx(1.0)
    assert first["gamma"] == pytest.approx(1e-3) and first["reg_alpha"] == pytest.approx(1e-3)
    assert res.agent == f"flaml-{searcher}" and res.n_real_evals == 6
    seconds = [r["seconds"] for r in env.history.records]
    assert [t["time_total_s"] for t in told] == pytest.approx(seconds, rel=1e-3) and min(seconds) > 0
    assert [t["reward"] for t in told] == [r["val_score"] for r in env.history.records]


def test_flaml_zeroshot_starts_from_flamls_data_dependent_defaults_clipped_to_the_space():
    pytest.importorskip("flaml")
    from flaml.default import suggest_hyperparams

    env = hpo_env.make_xgb_env("breast_cancer", seed=0)
    task = env.objective.task
    train = task.splits[0].train
    suggested, _ = suggest_hyperparams("classification", task.rows(train), task.y[train], "xgb_limitdepth")
    res = run_agent(make_agent("flaml-zeroshot"), env, 4, seed=0)
    first = env.history.records[0]["config"]
    assert res.agent == "flaml-zeroshot" and res.n_real_evals == 4
    # breast_cancer's suggestion: 5457 trees -> the space's 500; min_child_weight 0.2 -> its floor 1.
    assert suggested["n_estimators"] > 500 and first["n_estimators"] == 500
    assert suggested["min_child_weight"] < 1 and first["min_child_weight"] == 1
    for name in ("max_depth", "learning_rate", "subsample", "colsample_bytree", "reg_alpha"):
        assert first[name] == pytest.approx(suggested[name], rel=1e-6), name
    fast = hpo_env.make_surrogate_env("iris", seed=0)  # fast mode holds no rows: FLAML's fixed start, said once
    with pytest.warns(UserWarning, match="flaml-zeroshot: the env holds no training rows"):
        run_agent(make_agent("flaml-zeroshot"), fast, 2, seed=0)
    assert fast.history.records[0]["config"]["learning_rate"] == pytest.approx(0.3)


@pytest.mark.filterwarnings("ignore:portfolio-cfo")  # the shipped portfolio saw iris: no held-out claim here
def test_portfolio_cfo_k1_proposes_the_first_cost_aware_pick_only_then_cfo():
    pytest.importorskip("flaml")
    from agents.transfer.portfolio import load_portfolio

    picks = load_portfolio(None, cost_aware=True)["configs"]
    runs = {}
    for name in ("portfolio-cfo", "portfolio-cfo-k1"):
        env = hpo_env.make_surrogate_env("iris", seed=0)
        run_agent(make_agent(name), env, 4, seed=0)
        runs[name] = [r["config"] for r in env.history.records]

    def same(a, b):
        return env.space.encode(a) == pytest.approx(env.space.encode(b), abs=1e-6)

    full, one = runs["portfolio-cfo"], runs["portfolio-cfo-k1"]
    assert one[0] == full[0] and one[0]["n_estimators"] == 20  # FLAML's cheap start
    assert same(one[1], picks[0]) and same(full[1], picks[0])
    assert same(full[2], picks[1]) and not same(one[2], picks[1])  # k1: CFO's search from here on
