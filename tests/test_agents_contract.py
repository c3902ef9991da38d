"""One contract every agent must keep, run over all of them (as Optuna runs one suite over every sampler),
and over a preset registered here, as a user adds a variant.

Real XGBoost on iris: each run takes a second or a few.
"""

import math

import numpy as np
import pytest

import hpo_env
import hpo_env.yahpo
from agents.base import RunResult, run_agent
from agents.registry import AGENTS, NEEDS_TRAINING, make_agent, register_preset
from agents.rppo.presets import PRESETS, ModelSettings, RPPOPreset
from hpo_env import Categorical, Float, SearchSpace
from hpo_env.fidelity import full_evals, is_full

#: Past ``min_real_evals`` (10), or the prior's 10 proposals, and a cycle of 8 real episodes,
#: so the reward model's fit, its screening and the model stretches run too.
BUDGET = 20
#: A variant as a user would add one (docs/tuning.md, "Agent variants"): the paper's loop, fitting
#: the model early and with a tighter KL bound.
CUSTOM = RPPOPreset("rppo-mb-tight", model=ModelSettings(kl_threshold=0.02, min_real_evals=6))


def run(name, seed=0, budget=BUDGET, **env_kwargs):
    agent = make_agent(name)
    env = hpo_env.make_xgb_env("iris", seed=seed, **{**env_kwargs, **agent.env_overrides})
    return run_agent(agent, env, budget, seed), env


@pytest.fixture(params=[*sorted(AGENTS), CUSTOM.name])
def agent_name(request):
    if request.param in ("smac", "smac-mf"):
        pytest.importorskip("smac", reason="the smac agents are an optional extra")
    if request.param in NEEDS_TRAINING:
        pytest.skip("runs only on weights a user trains, for YAHPO's space: tests/test_time_session.py runs it")
    if request.param == CUSTOM.name:
        register_preset(CUSTOM)
        request.addfinalizer(lambda: (AGENTS.pop(CUSTOM.name), PRESETS.pop(CUSTOM.name)))
    return request.param


def test_a_registered_preset_is_refused_twice_and_checked_when_built():
    with pytest.raises(ValueError, match="agent 'rppo' exists already"):
        register_preset(RPPOPreset("rppo"))
    with pytest.raises(ValueError, match="finetune=False needs screen >= 1"):
        RPPOPreset("x", model=ModelSettings(finetune=False))
    with pytest.raises(ValueError, match="a prior is trained on the fixed order"):
        RPPOPreset("x", prior="default", order="shuffle")
    with pytest.raises(ValueError, match=r"unknown ModelSettings fields \['kl'\]"):
        make_agent("rppo-mb", model={"kl": 1})


def test_a_registered_agent_is_made_by_name_and_takes_prior_only_when_it_learns_across_tasks(monkeypatch):
    from agents import registry
    from agents.baselines import PortfolioAgent

    monkeypatch.setattr(registry, "AGENTS", dict(AGENTS))
    monkeypatch.setattr(registry, "_ACROSS_TASKS", list(registry._ACROSS_TASKS))
    registry.register_agent("my-portfolio", lambda prior=None: PortfolioAgent("tpe", prior=prior), across_tasks=True)
    assert "my-portfolio" in registry.prior_agents()
    assert registry.make_agent("my-portfolio", prior="default").name == "portfolio-tpe"
    with pytest.raises(ValueError, match="agent 'tpe' exists already"):
        registry.register_agent("tpe", lambda: None)
    registry.register_agent("plain", lambda: make_agent("random"))
    with pytest.raises(ValueError, match="agent 'plain' takes no settings"):
        registry.make_agent("plain", prior="x")


def test_budget_is_spent_exactly(agent_name):
    res, env = run(agent_name)
    if make_agent(agent_name).multi_fidelity:
        # Full-evaluation equivalents: none left when it stopped, and none started after.
        assert res.full_evals >= BUDGET > full_evals(env.history.records[:-1])
        assert res.n_real_evals == env.n_real_evals > BUDGET  # some were partial
    else:
        assert res.n_real_evals == BUDGET == env.n_real_evals == res.full_evals
    assert res.n_episodes >= BUDGET
    preset = PRESETS.get(agent_name)
    if preset is not None and preset.model is not None and preset.model.screen:
        # The reward model picked the evaluations after the prior's own proposals.
        assert res.extra["prior"] is not None and res.n_real_evals > preset.prior_evals
    elif preset is not None and preset.model is not None:  # PPO trained on model episodes between real ones
        assert res.extra["n_model_episodes"] > 0 and res.extra["model_stretches"]


def test_result_is_well_formed(agent_name):
    res, env = run(agent_name)
    assert isinstance(res, RunResult) and res.agent == agent_name and res.task == "iris"
    assert res.budget == BUDGET and res.seed == 0 and res.wall_s > 0
    assert 0.0 <= res.best_val <= 1.0 and 0.0 <= res.test_of_best <= 1.0
    assert set(res.best_config) == set(env.space.names)
    assert env.history.incumbent["val_score"] == res.best_val
    assert [t[0] for t in res.trajectory] == list(range(1, res.n_real_evals + 1))
    walls = [t[1] for t in res.trajectory]
    bests = [t[2] for t in res.trajectory if t[2] is not None]
    assert walls == sorted(walls) and bests == sorted(bests) and bests[-1] == res.best_val
    assert all(math.isfinite(x) for x in walls)


def test_seeded_runs_are_reproducible(agent_name):
    a, _ = run(agent_name, seed=1)
    b, _ = run(agent_name, seed=1)
    assert a.best_config == b.best_config
    assert [t[2] for t in a.trajectory] == [t[2] for t in b.trajectory]


@pytest.mark.filterwarnings("ignore:rppo-prior falls back")  # its weights are for the default space
@pytest.mark.filterwarnings("ignore:rppo-prior-hb goes on with TPE")  # the same, for the multi-fidelity one
@pytest.mark.filterwarnings("ignore:portfolio-tpe-hyperband goes on with TPE")  # and for its portfolio
def test_failing_evaluations_do_not_stop_the_run(agent_name):
    space = SearchSpace([Float("learning_rate", 0.01, 1.0, log=True), Categorical("booster", ("no_such",))])
    res, env = run(agent_name, space=space)
    assert res.n_real_evals == BUDGET and res.n_failed == BUDGET  # a failure costs a full evaluation
    assert res.best_val is None and res.best_config is None
    assert all(r["error"] and "no_such" in r["error"] for r in env.history.records)


def test_runs_on_a_conditional_space(agent_name, yahpo_data):
    # YAHPO's XGBoost: booster first, the tree parameters only for gbtree and dart. Every agent
    # runs there with its library's own handling of conditions (a multi-fidelity one at
    # fractions of trainsize), but those that need the task's meta-features (none for OpenML
    # ids) or a shuffled order (a parent must come before its children).
    agent = make_agent(agent_name)
    if agent.env_overrides.get("meta_features") or agent.env_overrides.get("order"):
        pytest.skip("needs meta-features or a shuffled order, which the YAHPO env does not give")
    env = hpo_env.yahpo.make_yahpo_env("31", yahpo_dir=yahpo_data, **agent.env_overrides)
    res = run_agent(agent, env, 12, seed=0)
    space = env.space
    for r in env.history.records:
        active = space.decode(space.encode(r["config"]))  # the active ones, from the chosen values
        assert set(r["config"]) == set(active), r["config"]
    if agent.multi_fidelity:  # partial evaluations, and the budget counted in full ones
        # (smac-mf's low rungs of trainsize cost 0.4 full evaluations each here: with 12 it
        # may end before its first full one, so it may report no incumbent)
        assert any(not is_full(r) for r in env.history.records) and res.full_evals >= 12
    else:
        assert res.n_real_evals == 12 and res.best_val is not None
    assert res.best_val is None or res.best_val > -10


def test_unknown_agent_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown agent 'nope'; expected one of \['adaptive-portfolio-tpe', 'cmaes'"):
        make_agent("nope")


def test_tpe_finds_a_better_config_than_its_first_guesses_on_real_data():
    # A sanity check that the ask/tell plumbing passes rewards back: with 40 evaluations
    # TPE's best beats the mean of its first 10 (random start-up) trials.
    res, env = run("tpe", budget=40)
    first = np.mean([r["val_score"] for r in env.history.records[:10]])
    assert res.best_val > first
