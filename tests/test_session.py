"""The session (RL²) env and its features: one episode is a whole tuning session."""

import gymnasium as gym
import numpy as np
import pytest

import hpo_env
from hpo_env.fast.session import SESSION_FEATURES, MetaSessionEnv, SessionMemory

TASKS = ["iris", "wine"]


def test_memory_features_rank_the_last_score_within_the_session():
    m = SessionMemory()
    assert m.features().tolist() == [0.0, 0.0, 0.0]
    m.add(np.zeros(2), 0.5)
    assert m.features().tolist() == [1.0, 0.5, 1.0]
    m.add(np.ones(2), 0.9)
    assert m.features().tolist() == [1.0, 1.0, 1.0]
    m.add(-np.ones(2), 0.7)  # above 0.5, below 0.9
    assert m.features().tolist() == [1.0, 0.5, 0.0]
    m.add(np.full(2, 0.5), None)  # a failure is the lowest score
    assert m.features().tolist() == [1.0, 0.0, 0.0]


def test_memory_repeats_are_within_tolerance_of_an_earlier_configuration():
    m = SessionMemory(repeat_tol=0.01)
    m.add(np.array([0.2, -0.3]), 0.5)
    assert m.is_repeat(np.array([0.205, -0.295]))
    assert not m.is_repeat(np.array([0.25, -0.3]))


def test_one_episode_is_a_session_on_one_task():
    env = gym.make("HPO-XGB-MetaSession-v0", trials=3, tasks=TASKS, seed=0)
    base = env.unwrapped
    n_hp = base.n_hyperparameters
    assert env.observation_space.shape == (base.observation_space.shape[0] + len(SESSION_FEATURES),)
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    steps, trials, tasks, done = 0, [], set(), False
    while not done:
        obs, reward, done, truncated, info = env.step(rng.uniform(-1, 1, 1).astype(np.float32))
        steps += 1
        assert env.observation_space.contains(obs) and not truncated
        if info:
            trials.append(info["trial"])
            tasks.add(info["task"])
            assert obs[-3] == 1.0  # has_score
        else:
            assert reward == 0.0
    assert steps == 3 * n_hp and trials == [1, 2, 3] and len(tasks) == 1


def test_a_repeated_configuration_is_penalized_and_gains_nothing():
    env = MetaSessionEnv(2, tasks=TASKS, seed=0, repeat_penalty=0.5)
    env.reset(seed=0)
    n_hp = env.unwrapped.n_hyperparameters
    rewards = []
    for _ in range(2):
        for _ in range(n_hp):
            _, r, done, _, _ = env.step(np.array([0.3], np.float32))
        rewards.append(r)
    assert done and rewards[0] >= 0.0 and rewards[1] == pytest.approx(-0.5)


def test_a_new_reset_draws_a_new_session():
    env = MetaSessionEnv(1, tasks=TASKS, seed=0)
    seen = set()
    env.reset(seed=3)
    for _ in range(12):
        done = False
        while not done:
            _, _, done, _, info = env.step(np.zeros(1, np.float32))
        seen.add(info["task"])
        env.reset()
    assert seen == set(TASKS)


@pytest.fixture(scope="module")
def session_weights(tmp_path_factory):
    from agents.prior import pretrain

    out = tmp_path_factory.mktemp("rl2") / "rl2.pt"
    return pretrain(out, tasks=TASKS, timesteps=2000, n_envs=2, episodes_per_env=4, session=4, bc_steps=20,
                    carry_state=True, progress=False)  # fmt: skip


def _rl2_run(prior, seed=0, budget=12, task="pmlb:bupa"):
    from agents.base import run_agent
    from agents.prior import RL2Agent

    agent = RL2Agent(prior=str(prior))
    env = gym.make("HPO-XGB-Surrogate-v0", task=task, seed=seed, **agent.env_overrides)
    return run_agent(agent, env, budget, seed)


def test_session_weights_drive_the_rl2_agent_reproducibly_and_then_tpe(session_weights):
    from agents.prior import load_prior

    doc = load_prior(session_weights)
    assert doc["session_features"] == list(SESSION_FEATURES) and doc["train"]["settings"]["carry_state"]
    a, b = _rl2_run(session_weights), _rl2_run(session_weights)
    assert a.n_real_evals == 12 and a.extra["rl2_trials"] == 4 and a.extra["prior_saw_task"] is False
    assert [t[2] for t in a.trajectory] == [t[2] for t in b.trajectory]
    assert _rl2_run(session_weights, task="iris").extra["prior_saw_task"] is True


def test_a_session_prior_and_a_plain_prior_are_not_mixed_up(session_weights):
    from agents.base import run_agent
    from agents.prior import DEFAULT_PRIOR, PriorError
    from agents.registry import make_agent

    with pytest.raises(PriorError, match="is not a session"):
        _rl2_run(DEFAULT_PRIOR)
    agent = make_agent("rppo-prior", prior=str(session_weights))
    env = hpo_env.make_surrogate_env("pmlb:bupa", seed=0, **agent.env_overrides)
    with pytest.warns(UserWarning, match=r"is a session \(RL²\) prior, for agents.prior.RL2Agent"):
        run_agent(agent, env, 12, 0)


def test_a_session_policy_cloned_on_the_portfolio_proposes_it_on_an_unseen_task(tmp_path):
    import json

    from agents.base import run_agent
    from agents.prior import RL2Agent, pretrain
    from agents.transfer.portfolio import build_portfolio

    pretrain(tmp_path / "b.pt", tasks=TASKS, timesteps=0, n_envs=1, carry_state=True, bc_top=0, bc_portfolio=2,
             bc_steps=800, bc_learning_rate=1e-2, progress=False)  # fmt: skip
    build_portfolio(tmp_path / "p.json", TASKS, k=2)
    agent = RL2Agent(prior=str(tmp_path / "b.pt"), trials=2, deterministic=True)
    env = hpo_env.make_surrogate_env("pmlb:bupa", seed=0, **agent.env_overrides)
    run_agent(agent, env, 2, 0)
    proposed = [env.space.encode(r["config"]) for r in env.history.records]
    wanted = [env.space.encode(c) for c in json.loads((tmp_path / "p.json").read_text())["configs"]]
    assert np.abs(np.array(proposed) - np.array(wanted)).max() < 0.1
