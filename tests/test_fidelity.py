"""Partial evaluations (hpo_env.fidelity): pruning, accounting, the incumbent rule, the time
budget, and that an agent asking for none of it gets what it always got. Real XGBoost on
breast_cancer: each evaluation takes a few hundredths of a second."""

import gymnasium as gym
import numpy as np
import pytest

import hpo_env  # noqa: F401 - registers the envs
from agents.base import play_episode, run_agent
from agents.registry import make_agent
from hpo_env.fidelity import CURVE_STEPS, PARTIAL_KEYS, Fidelity, curve_rounds, full_evals, is_full
from hpo_env.history import History
from hpo_env.reward_models import fidelity_dataset

#: A configuration of 90 boosting rounds (an action of 0.3 on the log range 20..500 of
#: n_estimators, the last hyperparameter), so fractions of rounds are easy to count.
ACTION = np.full(9, 0.3)


@pytest.fixture
def env():
    e = gym.make("HPO-XGB-v0", task="breast_cancer", seed=0)
    yield e
    e.close()


def _rounds(env, action=ACTION):
    return int(env.unwrapped.space.decode(action)["n_estimators"])


def test_a_pruned_run_is_recorded_as_pruned_not_failed(env):
    seen = []
    _, info = play_episode(env, ACTION, {"report": lambda step, v: seen.append(step) or step >= 3})
    rec = env.unwrapped.history.records[-1]
    assert info["pruned"] and rec["pruned"] and rec["error"] is None and not rec["timed_out"]
    assert seen == [1, 2, 3] and [p[0] for p in rec["curve"]] == [1, 2, 3]
    assert rec["val_score"] == rec["curve"][-1][1] and rec["test_score"] is None
    assert env.unwrapped.history.incumbent is None  # a pruned run is never the incumbent
    assert env.unwrapped.history.lookup(rec["config"]) is None  # nor served from the cache
    n = _rounds(env)
    assert rec["cost"] == pytest.approx(curve_rounds(n)[2] / n, abs=1e-6)


def test_fidelity_accounting_adds_up(env):
    n = _rounds(env)
    play_episode(env, ACTION, {"fidelity": {"rounds": 1 / 3}})
    play_episode(env, ACTION, {"fidelity": {"data": 0.5}})
    play_episode(env, ACTION)
    recs = env.unwrapped.history.records
    assert recs[0]["cost"] == pytest.approx(np.ceil(n / 3) / n, abs=1e-6)
    assert recs[0]["fidelity"] == {"rounds": 1 / 3, "data": 1.0}
    assert recs[1]["cost"] == 0.5 and "cost" not in recs[2]
    assert full_evals(recs) == pytest.approx(recs[0]["cost"] + 0.5 + 1.0)
    # Each fidelity is its own cache entry: the full evaluation was not served by a partial one.
    assert len(recs) == 3 and env.unwrapped.history.incumbent is recs[2]


def test_a_multi_fidelity_run_counts_full_evaluation_equivalents(env):
    agent = make_agent("tpe-hyperband")
    res = run_agent(agent, env, 8, 0)
    recs = env.unwrapped.history.records
    assert res.full_evals == pytest.approx(full_evals(recs), abs=1e-5)
    assert res.full_evals >= 8 > full_evals(recs[:-1])
    assert res.n_real_evals == len(recs) > 8 and any(r.get("pruned") for r in recs)
    assert is_full(env.unwrapped.history.incumbent) and res.best_val == env.unwrapped.history.incumbent["val_score"]


def test_an_agent_that_asks_for_no_fidelity_gets_todays_records(env):
    play_episode(env, ACTION)
    plain = env.unwrapped.history.records[-1]
    assert not set(PARTIAL_KEYS) & set(plain)
    # Recording a learning curve does not change the training: same scores, one more key.
    play_episode(env, ACTION, {"report": lambda step, v: False})  # served from the cache
    assert len(env.unwrapped.history) == 1
    other = gym.make("HPO-XGB-v0", task="breast_cancer", seed=0)
    _, info = play_episode(other, ACTION, {"report": lambda step, v: False})
    assert (info["val_score"], info["test_score"]) == (plain["val_score"], plain["test_score"])
    assert len(info["curve"]) == CURVE_STEPS and info["curve"][-1][1] == plain["val_score"]
    assert "pruned" not in info and "cost" not in info
    res = run_agent(make_agent("tpe"), env, 5, 0)
    assert res.full_evals == res.n_real_evals == 5


def test_the_incumbent_is_always_a_full_evaluation():
    h = History()
    base = {"error": None, "timed_out": False, "test_score": 0.5, "seconds": 0.1}
    h.append({"n": 0, "config": {"a": 1}, "val_score": 0.9, "fidelity": {"rounds": 0.1, "data": 1.0}, **base})
    h.append({"n": 1, "config": {"a": 2}, "val_score": 0.95, "pruned": True, "curve": [[1, 0.95]], **base})
    assert h.incumbent is None
    h.append({"n": 2, "config": {"a": 3}, "val_score": 0.7, **base})
    assert h.incumbent["n"] == 2
    assert h.lookup({"a": 1}) is None and h.lookup({"a": 1}, Fidelity(rounds=0.1))["n"] == 0


def test_a_time_budget_stops_every_agent_at_the_same_clock(env):
    res = run_agent(make_agent("random"), env, 10_000, 0, time_budget=0.5)
    recs = env.unwrapped.history.records
    assert res.extra["stopped_by"] == "time_budget" and res.time_budget == 0.5
    # No evaluation started past the budget (the one in flight may end after it).
    assert all(r["wall_s"] - r["seconds"] < 0.5 + 0.05 for r in recs) and 1 < len(recs) < 10_000
    assert env.unwrapped.stop_at is None  # the env is usable again afterwards


def test_bad_fidelity_requests_get_one_line_errors(env):
    with pytest.raises(ValueError, match=r"fidelity rounds=0\.0; expected a fraction in \(0, 1\]"):
        env.reset(options={"fidelity": {"rounds": 0.0}})
    with pytest.raises(ValueError, match=r"fidelity keys \['epochs'\]"):
        env.reset(options={"fidelity": {"epochs": 0.5}})
    with pytest.raises(ValueError, match=r"reset options \['budget'\]"):
        env.reset(options={"budget": 1})
    fast = gym.make("HPO-XGB-Surrogate-v0", task="iris", seed=0)
    with pytest.raises(ValueError, match="SurrogateObjective takes no partial evaluation"):
        fast.reset(options={"fidelity": 0.5})
    with pytest.raises(ValueError, match="expected seconds > 0"):
        run_agent(make_agent("random"), env, 5, 0, time_budget=0)


def test_the_reward_model_data_spans_fidelities(env):
    play_episode(env, ACTION, {"report": lambda step, v: step >= 9})  # pruned at 1/3: rungs 1 and 3, then 9
    play_episode(env, ACTION + 0.1, {"fidelity": {"rounds": 1 / 9, "data": 0.5}})
    X, y = fidelity_dataset(env.unwrapped.space, env.unwrapped.history.records)
    assert X.shape == (4, 11)
    assert X[:3, -2].tolist() == pytest.approx([1 / 27, 3 / 27, 9 / 27]) and X[3, -2:].tolist() == [1 / 9, 0.5]
    assert y[2] == env.unwrapped.history.records[0]["val_score"]


@pytest.mark.filterwarnings("ignore:rppo-prior-hb. the prior")  # the shipped prior saw iris
def test_rppo_prior_hb_tilts_its_first_proposals_to_cheap_samples_of_the_prior():
    from agents.multifidelity import PriorPoolProposer

    env = gym.make("HPO-XGB-v0", task="iris", seed=0, meta_features=True)
    in_order, tilted = PriorPoolProposer(cheap_of=1), PriorPoolProposer(cheap_of=4)
    for proposer in (in_order, tilted):
        proposer.start(env, seed=0, budget=4, study=None)
    first4 = [in_order.ask().config for _ in range(4)]
    rounds = [env.unwrapped.objective.params(c)[1] for c in first4]
    pick = tilted.ask().config
    assert pick in first4 and env.unwrapped.objective.params(pick)[1] == min(rounds) < max(rounds)


@pytest.mark.filterwarnings("ignore:rppo-prior-hb. the prior")  # the shipped prior saw breast_cancer
def test_rppo_prior_hb_leaves_every_proposal_to_tpe_after_prior_for():
    from agents.multifidelity import PriorHyperbandAgent

    def run(agent):
        env = gym.make("HPO-XGB-v0", task="breast_cancer", seed=0, meta_features=True)
        run_agent(agent, env, 4, seed=0)
        return [(r["config"], r.get("pruned", False)) for r in env.unwrapped.history.records]

    never, two, tpe_hb = PriorHyperbandAgent(prior_for=0), PriorHyperbandAgent(prior_for=2), make_agent("tpe-hyperband")
    # No proposal of the prior, and tpe-hyperband's brackets: tpe-hyperband's run, exactly.
    assert run(PriorHyperbandAgent(prior_for=0, brackets="tpe-hyperband")) == run(tpe_hb)
    assert run(never) != run(tpe_hb)  # the same proposer, in its own brackets
    pool = two.proposer.proposers[0]  # Chain(PriorPoolProposer, TPE)
    from_pool = [config in pool._configs for config, _ in run(two)]
    assert from_pool[:2] == [True, True] and len(from_pool) > 2 and not any(from_pool[2:])
    with pytest.raises(ValueError, match=r"prior_for=-1; expected a number of proposals >= 0, or None"):
        PriorHyperbandAgent(prior_for=-1)
    with pytest.raises(ValueError, match=r"brackets=''; expected a non-empty name, or None for the agent's own"):
        PriorHyperbandAgent(brackets="")


def test_portfolio_tpe_hyperband_proposes_the_portfolio_first_in_tpe_hyperbands_brackets(tmp_path):
    from agents.multifidelity import PortfolioHyperbandAgent
    from agents.transfer.portfolio import build_portfolio, load_portfolio
    from hpo_env.spaces import Float, SearchSpace

    def run(agent, **env_kwargs):
        env = gym.make("HPO-XGB-v0", task="breast_cancer", seed=0, **env_kwargs)
        res = run_agent(agent, env, 4, seed=0)
        return res, env.unwrapped

    held_out = build_portfolio(tmp_path / "breast_cancer.json", tasks=["iris", "wine"], k=3)
    registered = make_agent("portfolio-tpe-hyperband", prior=str(tmp_path))
    for agent in (registered, PortfolioHyperbandAgent(prior=str(tmp_path), cost_aware=False)):
        cost_aware = agent.cost_aware  # True as registered
        res, base = run(agent)
        assert res.extra == {"portfolio": str(held_out), "cost_aware": cost_aware, "prior_saw_task": False}
        # The env plays actions in float32, so the recorded values match to single precision.
        first = [base.space.encode(r["config"]) for r in base.history.records[:3]]
        want = [base.space.encode(c) for c in load_portfolio(held_out, cost_aware=cost_aware)["configs"]]
        np.testing.assert_allclose(first, want, atol=1e-6)
        assert len(base.history.records) > 3 and res.full_evals >= 4
    assert registered.cost_aware
    # A portfolio built on another space is not used: TPE alone, in tpe-hyperband's brackets,
    # makes tpe-hyperband's run exactly.
    space = SearchSpace([Float("learning_rate", 0.01, 1.0, log=True)])
    with pytest.warns(UserWarning, match="portfolio-tpe-hyperband goes on with TPE's proposals: .*search space"):
        alone, env_a = run(PortfolioHyperbandAgent(prior=str(held_out)), space=space)
    tpe_hb, env_b = run(make_agent("tpe-hyperband"), space=space)
    assert alone.extra == {"portfolio": None, "cost_aware": True, "prior_saw_task": False}
    assert [r["config"] for r in env_a.history.records] == [r["config"] for r in env_b.history.records]
    with pytest.raises(ValueError, match=r"k=0; expected a number of configurations >= 1, or None for all"):
        PortfolioHyperbandAgent(k=0)


def test_a_hyperband_agent_proposes_only_in_its_search_space():
    import dataclasses

    from agents.loop import OptunaProposer
    from agents.multifidelity import TPEHyperbandAgent
    from hpo_env.spaces import SearchSpace

    narrow = {"max_depth": (1, 2), "learning_rate": (0.01, 0.02)}

    class Narrow(OptunaProposer):
        def search_space(self, env):
            space = env.unwrapped.space
            return SearchSpace([dataclasses.replace(hp, low=narrow[hp.name][0], high=narrow[hp.name][1])
                                if hp.name in narrow else hp for hp in space])  # fmt: skip

    env = gym.make("HPO-XGB-v0", task="breast_cancer", seed=0)
    run_agent(TPEHyperbandAgent(proposer=Narrow("tpe")), env, 4, seed=0)
    configs = [r["config"] for r in env.unwrapped.history.records]
    assert len(configs) > 4 and all(1 <= c["max_depth"] <= 2 for c in configs)
    assert all(0.01 <= c["learning_rate"] <= 0.02 for c in configs)


def test_tune_multi_fidelity_saves_a_full_incumbent_and_resumes_in_the_one_session_shape(tmp_path, capsys):
    import json

    from benchmarks.cli import main

    out = tmp_path / "run"
    args = ["tune", "--task", "wine", "--budget", "4", "--multi-fidelity", "--out", str(out), "--no-progress"]
    assert main(args) == 0
    r = json.loads((out / "result.json").read_text())
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert r["agent"] == "portfolio-tpe-hyperband" and r["finished"] and r["extra"]["prior_saw_task"] is False
    assert r["extra"]["cost_aware"] and r["extra"]["portfolio"].endswith("portfolio_xgb.json")
    assert r["full_evals"] == pytest.approx(full_evals(history), abs=1e-5) and r["n_real_evals"] == len(history)
    best = max((h for h in history if is_full(h) and h["error"] is None), key=lambda h: h["val_score"])
    assert r["best_config"] == best["config"] and r["final_model"]["card"].endswith("model.json")
    assert main([*args, "--budget", "5"]) == 0  # resumed: the history grows, nothing is lost
    more = (out / "history.jsonl").read_text().splitlines()
    assert len(more) > len(history) and json.loads((out / "result.json").read_text())["full_evals"] >= 5
    capsys.readouterr()
    assert main([*args[:-3], "--out", str(tmp_path / "x"), "--agent", "rppo"]) == 2
    said = "agent 'rppo' is not a multi-fidelity agent; expected one of ['tpe-hyperband', 'smac-mf', 'rppo-prior-hb', "
    assert said + "'portfolio-tpe-hyperband']" in capsys.readouterr().err
    assert main([*args[:-3], "--out", str(tmp_path / "z"), "--agent", "tpe-hyperband", "--prior", "p.json"]) == 2
    assert "agent 'tpe-hyperband' takes no settings; got ['prior']" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "z").exists()
    assert main([*args[:-3], "--out", str(tmp_path / "hb"), "--agent", "rppo-prior-hb", "--no-refit"]) == 0
    assert json.loads((tmp_path / "hb" / "result.json").read_text())["agent"] == "rppo-prior-hb"
    assert main([*args[:-3], "--out", str(tmp_path / "y"), "--env", "HPO-XGB-Surrogate-v0"]) == 2
    assert "which HPO-XGB-Surrogate-v0 does not take; expected one of" in capsys.readouterr().err
