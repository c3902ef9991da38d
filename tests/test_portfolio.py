"""The greedy portfolio baselines, built from the same tables as the prior, and the flag on
runs whose prior or portfolio saw their task."""

import json
import warnings

import numpy as np
import pytest

import hpo_env
from agents.base import run_agent
from agents.registry import make_agent
from agents.transfer.files import PriorError
from agents.transfer.portfolio import COST_FLOOR, build_portfolio, greedy_portfolio, load_portfolio
from hpo_env.fast.tables import Table


def test_greedy_portfolio_adds_what_raises_the_mean_best_percentile_most():
    pct = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]])
    assert greedy_portfolio(pct, 1) == [2]  # 0.6 on both beats 1.0 on one
    assert greedy_portfolio(pct, 2) == [2, 0]  # then either pure one adds 0.2; the first wins the tie
    assert greedy_portfolio(pct, 5) == [2, 0, 1]  # no candidate twice


def test_a_cost_aware_portfolio_divides_each_gain_by_the_floored_cost():
    pct = np.array([[1.0, 1.0], [0.8, 0.8], [0.0, 0.5]])
    assert greedy_portfolio(pct, 2) == [0, 1]
    # 0.8 / 1 beats 1.0 / 4; then only the first adds anything (0.2 / 4).
    assert greedy_portfolio(pct, 2, cost=np.array([4.0, 1.0, 1.0])) == [1, 0]
    # A cost under COST_FLOOR counts as COST_FLOOR: 1.0 / 0.3 beats 0.25 / 0.1 (not 0.25 / 0.05).
    assert COST_FLOOR == 0.1
    assert greedy_portfolio(pct, 1, cost=np.array([0.3, 1.0, 0.05])) == [0]
    assert greedy_portfolio(pct, 1, cost=np.array([0.3, 1.0, 0.05]) * 10) == [2]


def test_the_cost_aware_order_is_cheaper_and_an_old_file_without_it_is_named(tmp_path):
    path = build_portfolio(tmp_path / "p.json", tasks=["iris", "wine"], k=4)
    doc = load_portfolio(path)
    tables = [Table.load(t) for t in ("iris", "wine")]
    rows = np.concatenate([t.X for t in tables])
    cost = np.concatenate([t.seconds / np.median(t.seconds) for t in tables])
    space = tables[0].space

    def costs(configs):  # each configuration is a measured row; its relative cost there
        return [cost[np.abs(rows - space.encode(c)).max(axis=1).argmin()] for c in configs]

    assert len(doc["cost_configs"]) == 4 and doc["cost_configs"] != doc["configs"]
    assert np.mean(costs(doc["cost_configs"])) < np.mean(costs(doc["configs"]))
    assert load_portfolio(path, cost_aware=True)["configs"] == doc["cost_configs"]
    del doc["cost_configs"], doc["path"]
    (tmp_path / "old.json").write_text(json.dumps(doc))
    with pytest.raises(PriorError, match=r"old.json has no cost-aware order \(built before it existed\)"):
        load_portfolio(tmp_path / "old.json", cost_aware=True)


def test_portfolio_is_built_only_from_the_tables_it_is_given(tmp_path):
    doc = load_portfolio(build_portfolio(tmp_path / "p.json", tasks=["iris", "wine"], k=6))
    assert doc["train"]["tasks"] == ["iris", "wine"] and len(doc["configs"]) == 6
    rows = np.concatenate([Table.load(t).X for t in ("iris", "wine")])
    space = Table.load("iris").space
    for c in doc["configs"]:  # each one is a measured row of a given table
        assert np.abs(rows - space.encode(c)).max(axis=1).min() < 1e-6
    assert np.all(np.diff(doc["mean_best_percentile"]) >= 0)


def run(name, task, **kwargs):
    agent = make_agent(name, **kwargs)
    env = hpo_env.make_surrogate_env(task, seed=0, **agent.env_overrides)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_agent(agent, env, 12, 0, task=task)
    return res, [str(w.message) for w in caught]


@pytest.mark.parametrize("name", ["portfolio", "portfolio-tpe", "adaptive-portfolio-tpe", "rppo-prior"])
def test_prior_saw_task_is_set_exactly_when_the_task_was_in_training(name):
    # The shipped prior and portfolio are built from every shipped table but wine's.
    for task, saw in (("iris", True), ("pmlb:credit_a", True), ("wine", False)):
        res, warned = run(name, task)
        assert res.extra["prior_saw_task"] is saw, task
        assert any("near-duplicate" in w for w in warned) is saw, task
        assert res.n_real_evals == 12


def test_portfolio_goes_first_and_a_held_out_directory_picks_the_task_file(tmp_path):
    build_portfolio(tmp_path / "pmlb_heart_c.json", tasks=["iris", "wine"], k=4)
    res, _ = run("portfolio", "pmlb:heart_c", prior=str(tmp_path))
    assert res.extra == {"portfolio": str(tmp_path / "pmlb_heart_c.json"), "prior_saw_task": False}
    env = hpo_env.make_surrogate_env("pmlb:heart_c", seed=0)
    run_agent(make_agent("portfolio-tpe", prior=str(tmp_path)), env, 6, 0, task="pmlb:heart_c")
    # The env plays actions in float32, so the recorded values match to single precision.
    first = np.array([env.space.encode(r["config"]) for r in env.history.records[:4]])
    want = np.array([env.space.encode(c) for c in load_portfolio(tmp_path / "pmlb_heart_c.json")["configs"]])
    np.testing.assert_allclose(first, want, atol=1e-6)


def test_report_flags_runs_whose_prior_saw_their_task(tmp_path):
    from benchmarks.report import make_report

    base = {"budget": 2, "best_config": {}, "n_real_evals": 2, "wall_s": 1.0, "n_episodes": 2, "n_failed": 0}
    rows = [
        {**base, "agent": a, "task": t, "seed": s, "best_val": v, "test_of_best": v,
         "trajectory": [[1, 0.5, v, v], [2, 1.0, v, v]], "extra": {"prior_saw_task": a == "portfolio" and t == "iris"}}
        for a in ("portfolio", "random") for t in ("iris", "wine") for s, v in ((0, 0.9), (1, 0.8))
    ]  # fmt: skip
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    md = make_report(tmp_path / "r.jsonl", tmp_path / "rep").read_text()
    assert "**Flagged: 2 runs used a prior or portfolio trained on their task" in md and "portfolio on iris" in md
    rows = [{**r, "extra": {}} for r in rows]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert "Flagged" not in make_report(tmp_path / "r.jsonl", tmp_path / "rep2").read_text()


def test_rppo_prior_records_and_warns_when_its_prior_saw_the_task():
    from agents.base import run_agent
    from agents.registry import make_agent

    def run(task):
        agent = make_agent("rppo-prior")
        return run_agent(agent, hpo_env.make_surrogate_env(task, **agent.env_overrides), 11, 0)

    with pytest.warns(UserWarning, match=r"was trained on iris \(or a near-duplicate\)"):
        assert run("iris").extra["prior_saw_task"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning at all for a held-out task
        assert run("wine").extra["prior_saw_task"] is False
