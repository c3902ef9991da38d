"""The bundled agent learns, and its LSTM carries what the observation does not show.

Both tests train real policies on cheap synthetic objectives through the same
:class:`HPOEnv` (a :class:`FunctionObjective`, no XGBoost), with fixed seeds.
"""

import numpy as np
import pytest
from stable_baselines3 import PPO

from agents import RealEvalBudgetCallback, tune
from hpo_env import Float, FunctionObjective, HPOEnv, SearchSpace

TARGET = np.array([0.5, -0.3, 0.8, -0.6, 0.1])
SPACE5 = SearchSpace([Float(f"x{i}", -1.0, 1.0) for i in range(5)])


def closeness(cfg):
    """1 - mean distance to a known optimum; uniform random scores about 0.37."""
    x = np.array([cfg[f"x{i}"] for i in range(5)])
    return float(1.0 - np.mean(np.abs(x - TARGET)))


def scores(env):
    return np.array([r["val_score"] for r in env.history.records])


@pytest.mark.slow
def test_agent_beats_its_first_episodes_and_random_actions():
    env = HPOEnv(FunctionObjective(closeness, SPACE5))
    result = tune(env=env, budget=300, seed=0, progress=False)
    assert result["n_real_evals"] == 300
    v = scores(env)
    rng = np.random.default_rng(0)
    random_mean = np.mean([closeness(SPACE5.decode(rng.uniform(-1, 1, 5))) for _ in range(2000)])
    first, last = v[:50].mean(), v[-50:].mean()
    # Margins: 0.15 over its own start, 0.2 over uniform random actions.
    assert last > first + 0.15, (first, last)
    assert last > random_mean + 0.2, (random_mean, last)
    assert result["best_val"] > 0.85


# The best value of the last hyperparameter is T[first], where "first" is whichever
# hyperparameter the shuffled order put first, two steps earlier. At the last step the
# observation shows only the middle action and the last one's name. The middle action
# is penalised, so passing the information along through it costs reward.
T = {"a": -0.8, "b": 0.0, "c": 0.8}
SPACE3 = SearchSpace([Float(n, -1.0, 1.0) for n in "abc"])
# Without memory the first is one of two names at the last step: the best guess is their
# midpoint, so E|x_last - T[first]| >= mean(0.4, 0.8, 0.4) = 0.533 and the reward <= 0.467.
MEMORYLESS_CEILING = 1.0 - (0.4 + 0.8 + 0.4) / 3
MEMORY_PPO = {"episodes_per_update": 16, "n_epochs": 4}


def make_memory_env():
    env = None

    def fn(cfg):
        first, mid, last = (SPACE3.names[i] for i in env.order)
        return 1.0 - abs(cfg[last] - T[first]) - abs(cfg[mid])

    env = HPOEnv(FunctionObjective(fn, SPACE3), order="shuffle")
    return env


@pytest.mark.slow
def test_lstm_remembers_a_choice_two_steps_back():
    episodes = 1500
    rec_env = make_memory_env()
    tune(env=rec_env, budget=episodes, seed=0, progress=False, ppo_kwargs=MEMORY_PPO)

    mlp_env = make_memory_env()
    mlp = PPO(
        "MlpPolicy", mlp_env, n_steps=48, batch_size=48, n_epochs=4, learning_rate=7e-3,
        gamma=1.0, gae_lambda=1.0, seed=0, device="cpu",
    )  # fmt: skip
    mlp.learn(10**9, callback=RealEvalBudgetCallback(episodes))

    rec, flat = scores(rec_env)[-200:].mean(), scores(mlp_env)[-200:].mean()
    assert flat < MEMORYLESS_CEILING + 0.05, flat
    assert rec > MEMORYLESS_CEILING + 0.15, rec
    assert rec > flat + 0.2, (rec, flat)
