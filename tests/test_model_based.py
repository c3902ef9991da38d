"""The reward model, its wrapper and the KL-controlled model use, on real XGBoost and a really trained policy."""

import numpy as np
import pytest
from scipy.stats import spearmanr

import hpo_env
from agents import tune
from agents.rppo.model_control import policy_kl
from hpo_env import ModelRewardWrapper, XGBoostObjective
from hpo_env.reward_models import REWARD_MODELS, history_dataset, make_reward_model


class CountingXGBoost(XGBoostObjective):
    """The real XGBoost objective, counting how often it trains."""

    calls = 0

    def evaluate(self, config):
        type(self).calls += 1
        return super().evaluate(config)


def counting_env(task="iris"):
    env = hpo_env.make_xgb_env(task)
    env.objective.__class__ = CountingXGBoost
    CountingXGBoost.calls = 0
    return env


def play(env, rng):
    env.reset()
    for _ in range(env.unwrapped.n_hyperparameters):
        *_, term, _, info = env.step(rng.uniform(-1, 1, 1).astype(np.float32))
    return info


@pytest.mark.parametrize("name", sorted(REWARD_MODELS))
def test_reward_models_rank_real_evaluations(name):
    env = hpo_env.make_xgb_env("breast_cancer")
    rng = np.random.default_rng(0)
    for _ in range(80):
        env.evaluate(env.space.sample(rng))
    X, y = history_dataset(env.space, env.history.records)
    m = make_reward_model(name).fit(X[:60], y[:60])
    mu, sd = m.predict(X[60:])
    assert mu.shape == sd.shape == (20,) and (sd >= 0).all()
    assert spearmanr(mu, y[60:]).statistic > 0.3


def test_unknown_reward_model():
    with pytest.raises(ValueError, match="unknown reward model 'gp'"):
        make_reward_model("gp")


def test_model_mode_trains_nothing_and_records_nothing():
    env = counting_env()
    w = ModelRewardWrapper(env)
    rng = np.random.default_rng(0)
    with pytest.raises(RuntimeError, match="refit"):
        w.set_mode("model")
    infos = [play(w, rng) for _ in range(10)]
    assert CountingXGBoost.calls == 10 and all(i["real"] and not i["model"] for i in infos)
    assert w.refit() == 10
    w.set_mode("model")
    inc = env.history.incumbent
    for _ in range(25):
        info = play(w, rng)
        assert info["model"] and not info["real"] and info["test_score"] is None
        mu, _ = w.predict([info["config"]])
        assert info["val_score"] == pytest.approx(mu[0])
    assert CountingXGBoost.calls == 10 and env.n_real_evals == 10 and w.n_model_episodes == 25
    assert env.history.incumbent is inc
    assert len(w.recent_real_observations()) == 10
    assert w.recent_real_observations()[0].shape == (9, 10)
    w.set_mode("real")
    play(w, rng)
    assert CountingXGBoost.calls == 11


@pytest.fixture(scope="module")
def kl_run():
    env = hpo_env.make_xgb_env("iris")
    r = tune(env=env, budget=30, seed=0, progress=False, model_based="kl",
             model_kwargs={"kl_threshold": 0.02, "max_model_updates": 40})  # fmt: skip
    return r, env


def test_budget_counts_only_real_evaluations(kl_run):
    r, env = kl_run
    assert r["n_real_evals"] == env.n_real_evals == 30
    assert r["extra"]["n_model_episodes"] > 0 and r["n_episodes"] < 30 + r["extra"]["n_model_episodes"]


def test_incumbent_is_always_a_real_evaluation(kl_run):
    r, env = kl_run
    real = [x for x in env.history.records if x["error"] is None]
    assert r["best_val"] == max(x["val_score"] for x in real)
    assert any(x["config"] == r["best_config"] for x in real)


def test_kl_crossing_ends_each_model_stretch(kl_run):
    r, _ = kl_run
    assert r["extra"]["model_stretches"], "the loop never used the model"
    for s in r["extra"]["model_stretches"]:
        assert s["kl"] > 0.02 and s["updates"] < 40


def test_fixed_horizon_ends_after_its_updates():
    env = hpo_env.make_xgb_env("iris")
    r = tune(env=env, budget=24, seed=0, progress=False, model_based="fixed", model_kwargs={"fixed_updates": 2})
    assert r["extra"]["model_stretches"] and all(s["updates"] == 2 for s in r["extra"]["model_stretches"])
    assert r["n_real_evals"] == 24


def test_policy_kl_is_zero_for_the_same_policy_and_grows_with_training():
    from sb3_contrib import RecurrentPPO

    from agents.rppo.policy import HPORecurrentPolicy

    env = hpo_env.make_xgb_env("iris")
    w = ModelRewardWrapper(env)
    model = RecurrentPPO(HPORecurrentPolicy, w, n_steps=36, batch_size=36, learning_rate=7e-3, seed=0, device="cpu")
    model.learn(36)
    seqs = w.recent_real_observations()
    before = type(model.policy)(**model.policy._get_constructor_parameters())
    before.load_state_dict(model.policy.state_dict())
    assert policy_kl(before, model.policy, seqs) == pytest.approx(0.0, abs=1e-9)
    model.learn(72, reset_num_timesteps=False)
    assert policy_kl(before, model.policy, seqs) > 1e-4


def test_bad_model_settings():
    with pytest.raises(ValueError, match="model_based='always'"):
        tune("iris", budget=2, model_based="always")
    with pytest.raises(ValueError, match=r"unknown ModelSettings fields \['kl'\]"):
        tune("iris", budget=2, model_based="kl", model_kwargs={"kl": 1})


def test_batched_samples_and_observations_match_the_env_and_the_policy():
    """Episodes sampled side by side see the observations the env shows step by step,
    and follow the policy's own distribution."""
    import torch as th
    from sb3_contrib import RecurrentPPO

    from agents.rppo.policy import HPORecurrentPolicy
    from agents.rppo.sampling import episode_observations, sample_actions

    env = hpo_env.make_xgb_env("iris", meta_features=True)
    model = RecurrentPPO(HPORecurrentPolicy, env, n_steps=9, batch_size=9, seed=0, device="cpu")
    th.manual_seed(0)
    acts = sample_actions(model.policy, env, 3000)
    assert acts.shape == (3000, 9) and np.abs(acts).max() <= 1.0 and acts.std(0).min() > 0.1
    obs = episode_observations(env, acts[:3])
    for i in range(3):
        seen = [env.reset()[0]] + [env.advance(acts[i, env.order[t] : env.order[t] + 1])[0] for t in range(8)]
        np.testing.assert_allclose(obs[i], np.stack(seen))
    one_by_one = []
    for _ in range(300):
        o, _ = env.reset()
        state, start, row = None, np.ones(1, bool), np.zeros(9)
        for t in range(9):
            a, state = model.policy.predict(o, state=state, episode_start=start)
            start[:] = False
            row[env.order[t]] = a[0]
            o, _ = env.advance(a)
        one_by_one.append(row)
    # Same distribution: means agree within a few standard errors, for every hyperparameter.
    se = acts.std(0) * np.sqrt(1 / 3000 + 1 / 300)
    assert (np.abs(acts.mean(0) - np.mean(one_by_one, 0)) < 4 * se).all()


@pytest.mark.parametrize("acquisition,uniform_share", [("mean", 0.0), ("ei", 0.0), ("mean", 0.25)])
def test_screened_proposal_is_the_models_best_unseen_candidate(acquisition, uniform_share):
    import torch as th
    from sb3_contrib import RecurrentPPO

    from agents.rppo.model_control import expected_improvement, screened_proposal
    from agents.rppo.policy import HPORecurrentPolicy
    from agents.rppo.sampling import sample_actions

    env = hpo_env.make_xgb_env("iris")
    w = ModelRewardWrapper(env)
    rng = np.random.default_rng(0)
    for _ in range(10):
        play(w, rng)
    w.refit()
    model = RecurrentPPO(HPORecurrentPolicy, w, n_steps=9, batch_size=9, seed=0, device="cpu")
    rng_state = env.np_random.bit_generator.state
    th.manual_seed(1)
    actions = sample_actions(model.policy, env, 150 if uniform_share else 200)
    if uniform_share:  # the last quarter of the candidates are uniform draws of the env's generator
        actions = np.concatenate([actions, env.np_random.uniform(-1.0, 1.0, (50, len(env.space)))])
    configs = [env.space.decode(a) for a in actions]
    mu, sd = w.predict(configs)
    score = expected_improvement(mu, sd, env.history.incumbent["val_score"]) if acquisition == "ei" else mu
    unseen = [i for i in range(200) if env.history.lookup(configs[i]) is None]
    env.np_random.bit_generator.state = rng_state
    th.manual_seed(1)
    got = screened_proposal(model.policy, w, 200, acquisition, uniform_share)
    assert got == configs[max(unseen, key=lambda i: score[i])]


def test_expected_improvement_is_the_normals_mean_gain_over_the_best():
    from scipy import stats

    from agents.rppo.model_control import expected_improvement

    rng = np.random.default_rng(0)
    mu, sd = rng.uniform(0.5, 1.0, 50), rng.uniform(0.0, 0.2, 50)
    sd[:5] = 0.0
    draws = stats.norm(mu[5:], sd[5:]).rvs((200_000, 45), random_state=1)
    ei = expected_improvement(mu, sd, 0.8)
    assert np.allclose(ei[5:], np.maximum(draws - 0.8, 0).mean(0), atol=2e-3)
    assert np.array_equal(ei[:5], np.maximum(mu[:5] - 0.8, 0))
    assert (ei >= 0).all() and (ei >= mu - 0.8).all()


def test_screened_loop_keeps_the_budget_and_trains_on_the_model_only():
    """With ``screen``, the policy plays real episodes only until the first fit; every
    later real evaluation is a screened proposal, and PPO learns from the model."""
    env = counting_env()
    r = tune(env=env, budget=27, seed=0, progress=False, model_based="kl", model_kwargs={"screen": 100})
    assert r["n_real_evals"] == env.n_real_evals == CountingXGBoost.calls == 27
    # The policy's own real episodes (two rollouts of 8 reach min_real_evals=10), then screened
    # ones, each counted as an episode by the env and the run alike.
    assert len(r["extra"]["model_stretches"]) >= 2 and r["extra"]["n_model_episodes"] > 0
    assert r["n_episodes"] == env.n_episodes == 27
    with pytest.raises(ValueError, match="screen=-1"):
        tune(env=counting_env(), budget=2, model_based="kl", model_kwargs={"screen": -1})
    with pytest.raises(ValueError, match="finetune=False needs screen"):
        tune(env=counting_env(), budget=2, model_based="kl", model_kwargs={"finetune": False})


def test_screened_evaluations_are_made_between_learn_calls_not_inside_a_callback(monkeypatch):
    """Callbacks observe and stop: once screening starts, no real evaluation happens inside
    ``model.learn`` (the Tuner makes them between one-update ``learn`` calls)."""
    from agents.rppo.policy import HPORecurrentPPO

    inside, learn = [False], HPORecurrentPPO.learn

    def tracked_learn(self, *args, **kwargs):
        inside[0] = True
        try:
            return learn(self, *args, **kwargs)
        finally:
            inside[0] = False

    during_learn: list[bool] = []

    class Tracking(CountingXGBoost):
        def evaluate(self, config):
            during_learn.append(inside[0])
            return super().evaluate(config)

    monkeypatch.setattr(HPORecurrentPPO, "learn", tracked_learn)
    env = counting_env()
    env.objective.__class__ = Tracking
    r = tune(env=env, budget=27, seed=0, progress=False, model_based="kl", model_kwargs={"screen": 100})
    flags = during_learn
    first_screened = flags.index(False)
    assert len(flags) == r["n_real_evals"] == 27 and 10 <= first_screened <= 16  # the policy's own rollouts first
    assert not any(flags[first_screened:])  # then every evaluation between learn() calls


@pytest.mark.parametrize(("growth", "fits"), [(0.0, list(range(10, 40))), (0.25, [10, 13, 17, 22, 28, 35])])
def test_screened_loop_refits_the_model_once_the_history_has_grown_by_refit_growth(growth, fits):
    from agents.base import run_agent
    from agents.prior.screened import ScreenedPriorAgent, ScreenedPriorProposer
    from agents.rppo.presets import PRESETS

    seen = []

    class Counted(ScreenedPriorProposer):
        def _refit(self) -> int:  # the real refit, counted
            seen.append(self.base.n_real_evals)
            return super()._refit()

    preset = PRESETS["rppo-prior"]
    preset = preset.replace(model=preset.model.replace(refit_growth=growth))
    env = hpo_env.make_surrogate_env("wine", meta_features=True, seed=0)
    agent = ScreenedPriorAgent(preset)
    agent.proposer = Counted(preset)
    run_agent(agent, env, 40, 0)
    assert env.n_real_evals == 40 and seen == fits  # after the prior's 10; none after the last evaluation's
    with pytest.raises(ValueError, match="refit_growth=1.0"):
        preset.model.replace(refit_growth=1.0)
    with pytest.raises(ValueError, match="acquisition='ucb'; expected 'mean' or 'ei'"):
        preset.model.replace(acquisition="ucb")
    with pytest.raises(ValueError, match=r"uniform_share=1.0; expected a fraction in \[0, 1\)"):
        preset.model.replace(uniform_share=1.0)
