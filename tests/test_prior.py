"""The learned prior: the multi-task fast-mode env, meta-training, the shipped weights, rppo-prior.

Everything runs on the shipped fast-mode tables and real XGBoost on scikit-learn's
built-in data; the pretraining here is a few thousand steps, enough to test the
plumbing, not the prior's quality (that is measured in ``benchmarks/results/prior_loto``).
"""

import json

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium.utils.env_checker import check_env

import hpo_env
from agents.base import run_agent
from agents.prior import (
    DEFAULT_PRIOR,
    PriorError,
    clone_top_configs,
    episode_batch,
    load_prior,
    load_prior_into,
    pretrain,
    prior_policy,
    propose,
    resolve_prior,
)
from agents.registry import make_agent, preset_agent
from agents.rppo.presets import PRESETS
from agents.rppo.tuner import make_preset
from agents.session import tune
from hpo_env import Float, SearchSpace
from hpo_env.fast.multitask import MultiTaskSurrogateEnv
from hpo_env.fast.tables import Table
from hpo_env.meta_features import META_FEATURES

SMALL = ["iris", "wine", "breast_cancer"]
TINY = {"timesteps": 1800, "n_envs": 2, "episodes_per_env": 2, "bc_top": 5, "bc_steps": 20}


def test_multitask_env_passes_gymnasium_checks_and_draws_tasks():
    env = gym.make("HPO-XGB-MultiTask-v0", tasks=SMALL, seed=0)
    check_env(env.unwrapped)
    env.reset(seed=0)
    seen, n = set(), env.unwrapped.n_hyperparameters
    for _ in range(30):
        obs, info = env.reset()
        assert obs.shape == (1 + n + len(META_FEATURES),)
        # The context part is the drawn task's meta-features, from its table.
        stored = Table.load(info["task"]).meta["meta_features"]
        np.testing.assert_allclose(obs[1 + n :], [stored[k] for k in META_FEATURES], rtol=1e-6)
        seen.add(info["task"])
        for _ in range(n):
            obs, r, term, _, info = env.step(env.action_space.sample())
        assert term and 0.0 <= info["percentile"] <= 1.0 and r == pytest.approx(info["percentile"])
    assert seen == set(SMALL)


def test_percentile_reward_ranks_within_the_task_table():
    env = MultiTaskSurrogateEnv(["iris"], repeat_penalty=0.0)
    table = env.envs[0].objective.table
    ok = table.val[~table.failed]
    assert env.percentile(0, ok.max()) == 1.0
    assert env.percentile(0, ok.min() - 1.0) == 0.0
    assert env.percentile(0, float(np.median(ok))) == pytest.approx(np.mean(ok <= np.median(ok)))


def play(env, actions):
    env.reset()
    for a in actions:
        _, r, term, _, info = env.step(np.array([a], np.float32))
    assert term
    return r, info


def test_repeating_a_configuration_is_penalised():
    env = MultiTaskSurrogateEnv(["wine"], repeat_penalty=0.5, seed=0)
    env.reset(seed=0)
    acts = np.linspace(-0.8, 0.8, env.n_hyperparameters)
    r1, i1 = play(env, acts)
    r2, i2 = play(env, acts)
    r3, i3 = play(env, acts[::-1])
    assert not i1["repeated"] and i2["repeated"] and not i3["repeated"]
    assert r1 == pytest.approx(i1["percentile"]) and r2 == pytest.approx(i2["percentile"] - 0.5)


def test_session_rewards_add_up_to_the_best_of_the_session():
    env = MultiTaskSurrogateEnv(SMALL, session=5, repeat_penalty=0.0, seed=3)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(2):
        rewards, pcts, tasks = [], [], set()
        for _ in range(5):
            r, info = play(env, rng.uniform(-1, 1, env.n_hyperparameters))
            rewards.append(r)
            pcts.append(info["percentile"])
            tasks.add(info["task"])
        assert len(tasks) == 1 and min(rewards) >= 0.0
        assert sum(rewards) == pytest.approx(max(pcts))


def test_multitask_env_names_bad_tasks():
    with pytest.raises(ValueError, match=r"no table for task\(s\) \['nope'\]"):
        MultiTaskSurrogateEnv(["iris", "nope"])
    with pytest.raises(ValueError, match="no task left"):
        MultiTaskSurrogateEnv(["iris"], exclude=["iris"])


def test_shipped_weights_load_and_act_within_bounds():
    prior = load_prior()
    assert prior["path"] == str(DEFAULT_PRIOR) and list(prior["meta_features"]) == list(META_FEATURES)
    assert len(prior["train"]["tasks"]) >= 20
    env = hpo_env.make_xgb_env("breast_cancer", meta_features=True, seed=0)
    policy = prior_policy(prior, env)
    obs, _ = env.reset()
    state, start = None, np.ones(1, bool)
    for _ in range(env.n_hyperparameters):
        action, state = policy.predict(obs, state=state, episode_start=start)
        start = np.zeros(1, bool)
        assert action.shape == (1,) and -1.0 <= float(action[0]) <= 1.0
        obs, _ = env.advance(action)
    # Sampled proposals decode to valid configurations of the space.
    sim = gym.make("HPO-XGB-Surrogate-v0", task="breast_cancer", meta_features=True).unwrapped
    infos = propose(prior_policy(prior, sim), sim, 20)
    assert sim.n_real_evals == 20
    for info in infos:
        x = sim.space.encode(info["config"])
        assert np.all(np.abs(x) <= 1.0) and sim.space.decode(x) == info["config"]


#: The one table the shipped prior is not trained on (nor a near-duplicate of it), kept out for the docs and tests.
HELD_OUT = "wine"


def test_the_prior_beats_random_proposals_on_average_on_a_task_it_did_not_see():
    # Its samples come from where good configurations were on other data; random ones do not.
    from agents.transfer.folds import saw_task

    assert not saw_task(load_prior()["train"]["tasks"], HELD_OUT), "pick a task the shipped prior did not see"
    env = MultiTaskSurrogateEnv([HELD_OUT], repeat_penalty=0.0, seed=1)
    env.reset(seed=1)
    prior = np.mean([i["percentile"] for i in propose(prior_policy(load_prior(), env), env, 60)])
    rng = np.random.default_rng(1)
    rand = np.mean([play(env, rng.uniform(-1, 1, env.n_hyperparameters))[1]["percentile"] for _ in range(60)])
    assert prior > rand + 0.1


def test_weights_for_another_space_or_observation_are_refused(tmp_path):
    prior = load_prior()
    other = SearchSpace([Float("learning_rate", 0.01, 1.0, log=True), Float("subsample", 0.5, 1.0)])
    env = hpo_env.make_xgb_env("iris", space=other, meta_features=True)
    msg = r"another search space: hyperparameter 0 is .*'low': 0.001.* in the prior but .*'low': 0.01.* in the env"
    with pytest.raises(PriorError, match=msg):
        prior_policy(prior, env)
    plain = hpo_env.make_xgb_env("iris")  # no meta-features in the observation
    with pytest.raises(PriorError, match="meta_features=True"):
        prior_policy(prior, plain)
    with pytest.raises(PriorError, match="hpo-rl pretrain --out"):
        load_prior(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_text("not weights")
    with pytest.raises(PriorError, match="not a readable weights file"):
        load_prior(tmp_path / "junk.pt")
    assert resolve_prior(tmp_path, "pmlb:adult") == tmp_path / "pmlb_adult.pt"


def test_rppo_prior_respects_the_budget_on_real_xgboost():
    agent = make_agent("rppo-prior")
    env = hpo_env.make_xgb_env("breast_cancer", seed=0, **agent.env_overrides)
    res = run_agent(agent, env, 14, 0)
    assert res.n_real_evals == 14 == env.n_real_evals
    assert res.extra["prior"] == str(DEFAULT_PRIOR)
    assert res.best_val is not None and res.best_val > 0.9
    # 10 proposals of the prior, then 4 screened ones (each an episode, chosen whole): no PPO update.
    assert env.n_episodes == res.n_episodes == 14 and res.extra["model_stretches"] == []


def test_rppo_prior_falls_back_with_a_warning_when_the_weights_are_missing(tmp_path):
    agent = make_agent("rppo-prior", prior=tmp_path / "missing.pt")
    env = hpo_env.make_xgb_env("iris", seed=0, **agent.env_overrides)
    with pytest.warns(UserWarning, match="falls back to a random initial policy: no prior weights"):
        res = run_agent(agent, env, 6, 0)
    assert res.n_real_evals == 6 and res.extra["prior"] is None


def test_tune_starts_from_the_prior_and_keeps_its_budget(tmp_path):
    r = tune("wine", 14, 0, env_id="HPO-XGB-Surrogate-v0", prior="default", model_based="kl",
             out_dir=tmp_path / "run", progress=False, tensorboard=False)  # fmt: skip
    assert r["n_real_evals"] == 14 and r["settings"]["prior"] == str(DEFAULT_PRIOR)
    assert r["settings"]["preset"]["prior_evals"] == 10
    from agents.rppo.policy import HPORecurrentPPO

    policy = HPORecurrentPPO.load(tmp_path / "run" / "checkpoint.zip", device="cpu").policy
    assert policy.state_dependent_std is True  # the prior's own policy arguments
    with pytest.raises(PriorError, match="no prior weights"):
        tune("wine", 5, 0, env_id="HPO-XGB-Surrogate-v0", prior=tmp_path / "missing.pt", progress=False)


def test_pretrain_is_seeded_and_records_what_it_trained_on(tmp_path):
    a = pretrain(tmp_path / "a.pt", tasks=SMALL, exclude=["iris"], seed=0, progress=False, **TINY)
    b = pretrain(tmp_path / "b.pt", tasks=SMALL, exclude=["iris"], seed=0, progress=False, **TINY)
    pa, pb = load_prior(a), load_prior(b)
    assert pa["train"]["tasks"] == ["wine", "breast_cancer"] and pa["train"]["exclude"] == ["iris"]
    for k, v in pa["state_dict"].items():
        assert th.equal(v, pb["state_dict"][k]), k
    env = hpo_env.make_xgb_env("iris", meta_features=True)
    load_prior_into(prior_policy(pa, env), pa, env)
    with pytest.raises(ValueError, match=r"unknown pretrain settings \['nope'\]"):
        pretrain(tmp_path / "c.pt", tasks=SMALL, nope=1)


def test_a_policy_builds_its_optimizer_on_first_use_over_all_its_parameters():
    from agents.rppo.policy import HPORecurrentPolicy

    env = hpo_env.make_surrogate_env("iris", meta_features=True)
    policy = prior_policy(load_prior(), env)
    propose(policy, env, 2)  # sampling builds none: torch's first optimizer imports torch._dynamo (1.5-3 s)
    assert policy.__dict__["_optimizer"] is None
    # The prior's extra log-std head is made after SB3's _build: the optimizer must cover it too.
    kwargs = {**load_prior()["policy_kwargs"], "optimizer_kwargs": {"eps": 1e-5}}
    policy = HPORecurrentPolicy(env.observation_space, env.action_space, lambda _: 0.25, **kwargs)
    opt = policy.optimizer
    assert isinstance(opt, th.optim.Adam) and opt is policy.optimizer
    assert opt.param_groups[0]["lr"] == 0.25 and opt.param_groups[0]["eps"] == 1e-5
    assert {id(p) for p in opt.param_groups[0]["params"]} == {id(p) for p in policy.parameters()}
    assert any(p is policy.log_std_net.weight for p in opt.param_groups[0]["params"])
    plain = HPORecurrentPolicy(env.observation_space, env.action_space, lambda _: 0.1)
    assert plain.optimizer.defaults["eps"] == 1e-5  # SB3's default for Adam, as before the wait


def test_rppo_prior_writes_no_checkpoint_and_one_leaves_out_an_optimizer_never_built(tmp_path):
    import zipfile

    from agents.rppo.policy import HPORecurrentPolicy, HPORecurrentPPO
    from agents.session import open_session

    # rppo-prior's policy only samples: no model.learn, so no checkpoint at all.
    res = open_session("iris", 12, agent="rppo-prior", env_id="HPO-XGB-Surrogate-v0", out_dir=tmp_path / "run",
                       progress=False, tensorboard=False).run()  # fmt: skip
    assert res["n_real_evals"] == 12 and not (tmp_path / "run" / "checkpoint.zip").exists()
    with pytest.raises(ValueError, match="never updates its policy: it is a proposer"):
        tune("iris", budget=12, agent="rppo-prior", env_id="HPO-XGB-Surrogate-v0", progress=False)
    # A model whose policy has not been trained: its checkpoint must not build an optimizer to save it.
    env = hpo_env.make_surrogate_env("iris")
    n = 2 * env.unwrapped.n_hyperparameters
    model = HPORecurrentPPO(HPORecurrentPolicy, env, n_steps=n, batch_size=n, n_epochs=1, seed=0, device="cpu")
    model.save(tmp_path / "lazy.zip")
    assert zipfile.ZipFile(tmp_path / "lazy.zip").namelist().count("policy.optimizer.pth") == 0
    assert model.policy.__dict__["_optimizer"] is None
    assert HPORecurrentPPO.load(tmp_path / "lazy.zip", env=env).policy.__dict__["_optimizer"] is None
    model.learn(n)  # one PPO update builds the optimizer and gives it state
    model.save(tmp_path / "built.zip")
    saved, back = model.policy.optimizer.state_dict(), HPORecurrentPPO.load(tmp_path / "built.zip", env=env)
    loaded = back.policy.__dict__["_optimizer"].state_dict()
    assert saved["state"] and saved["state"].keys() == loaded["state"].keys()
    for k, st in saved["state"].items():
        assert all(th.equal(st[name], loaded["state"][k][name]) for name in ("exp_avg", "exp_avg_sq"))


def test_behaviour_cloning_raises_the_likelihood_of_the_best_configurations():
    from agents.rppo.policy import HPORecurrentPolicy

    env = MultiTaskSurrogateEnv(SMALL)
    th.manual_seed(0)  # a fresh policy of the prior's architecture, not the shipped weights
    policy = HPORecurrentPolicy(env.observation_space, env.action_space, lambda _: 0.0, **load_prior()["policy_kwargs"])
    before = clone_top_configs(policy, env, top=10, steps=1, learning_rate=0.0)
    assert clone_top_configs(policy, env, top=10, steps=5, learning_rate=0.0) == pytest.approx(before)
    after = clone_top_configs(policy, env, top=10, steps=60, learning_rate=3e-3)
    assert after > before + 0.25


def test_episode_batch_replays_the_env_observations():
    env = hpo_env.make_surrogate_env("iris", meta_features=True)
    acts = np.random.default_rng(0).uniform(-1, 1, (3, env.n_hyperparameters))
    obs, a, starts = episode_batch(env, acts)
    n = env.n_hyperparameters
    assert obs.shape == (3 * n, env.observation_space.shape[0]) and starts.tolist().count(1.0) == 3
    np.testing.assert_allclose(a.numpy().reshape(3, n), acts.astype(np.float32))
    # Step t's observation carries action t-1 and flags hyperparameter t.
    assert obs[n + 1, 0] == pytest.approx(acts[1, 0]) and obs[n + 1, 1 + 1] == 1.0


def test_cli_pretrain_and_bench_with_a_prior_directory(tmp_path):
    from benchmarks.cli import main
    from hpo_env.history import read_jsonl

    out = tmp_path / "priors"
    sets = [f"--set={k}={v}" for k, v in TINY.items()]
    assert main(["pretrain", "--tasks", ",".join(SMALL), "--leave-one-out", "iris,wine", "--out", str(out),
                 "--no-progress", *sets]) == 0  # fmt: skip
    names = ["iris.json", "iris.pool.npz", "iris.pt", "wine.json", "wine.pool.npz", "wine.pt"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert load_prior(out / "iris.pt")["train"]["tasks"] == ["wine", "breast_cancer"]
    res = tmp_path / "r.jsonl"
    args = ["--tasks", "iris", "--agents", "rppo-prior", "--budget", "12", "--seeds", "1", "--prior", str(out)]
    code = main(["bench", "--env", "HPO-XGB-Surrogate-v0", *args, "--out", str(res), "--no-progress"])
    assert code == 0
    (line,) = read_jsonl(res)  # the left-out task's own weights were used: no fallback
    assert line["extra"]["prior"] == str(out / "iris.pt") and line["n_real_evals"] == 12
    assert line["extra"]["prior_saw_task"] is False
    assert main(["pretrain", "--set", "nope=1", "--out", str(tmp_path / "x.pt")]) == 2


def test_cli_tune_uses_the_shipped_prior_by_default_for_xgboost_envs(tmp_path):
    import json

    from benchmarks.cli import main

    def settings(*extra):
        out = tmp_path / "-".join(extra or ("default",))
        args = ["tune", "--env", "HPO-XGB-Surrogate-v0", "--task", "iris", "--budget", "12", "--out", str(out)]
        assert main([*args, "--no-progress", "--no-tensorboard", *extra]) == 0
        return json.loads((out / "settings.json").read_text())

    s = settings()  # the rppo-prior agent: screened proposals of the fixed prior
    assert s["prior"] == str(DEFAULT_PRIOR) and s["agent"] == "rppo-prior"
    assert s["preset"] == {**PRESETS["rppo-prior"].to_dict(), "prior": "default"}
    assert s["preset"]["model"]["screen"] == 1000 and s["preset"]["model"]["finetune"] is False
    s = settings("--finetune")  # the flag turns one field of the preset: that is rppo-prior-ft
    assert s["agent"] == "rppo-prior-ft" and s["preset"]["model"]["finetune"] is True
    assert s["preset"]["ppo"]["learning_rate"] == 3e-4
    s = settings("--prior", "none")
    assert s["prior"] is None and s["agent"] == "rppo" and s["preset"]["model"] is None
    s = settings("--prior", "none", "--model", "kl")  # the paper's rppo-mb
    assert s["agent"] == "rppo-mb" and s["preset"] == PRESETS["rppo-mb"].to_dict()
    assert s["preset"]["model"]["screen"] == 0 and s["preset"]["ppo"]["learning_rate"] == 7e-3
    s = settings("--agent", "rppo-mb", "--kl-threshold", "0.02")  # settings no preset has
    assert s["agent"] == "rppo-mb+custom" and s["preset"]["model"]["kl_threshold"] == 0.02


def test_cli_tune_refuses_an_illegal_combination_in_one_line(tmp_path, capsys):
    from benchmarks.cli import main

    args = ["tune", "--env", "HPO-XGB-Surrogate-v0", "--task", "iris", "--out", str(tmp_path / "x"), "--no-progress"]
    assert main([*args, "--screen", "0"]) == 2  # rppo-prior keeps finetune=False: nothing would propose
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "finetune=False needs screen >= 1" in err
    assert main([*args, "--agent", "nope"]) == 2
    assert "unknown agent 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_propose_counts_real_evaluations_from_where_the_history_stands():
    env = gym.make("HPO-XGB-Surrogate-v0", task="wine", meta_features=True).unwrapped
    policy = prior_policy(load_prior(), env)
    propose(policy, env, 4)
    infos = propose(policy, env, 3)
    assert env.n_real_evals == 7 and sum(bool(i["real"]) for i in infos) == 3


def test_loto_table_counts_tasks_at_each_budget_on_validation_and_test(tmp_path):
    from benchmarks.prior_loto import loto_table

    def run(agent, task, curve):  # curve: (best val, its test) after each evaluation
        traj = [[i + 1, 0.1 * (i + 1), v, t] for i, (v, t) in enumerate(curve)]
        return {
            "agent": agent,
            "task": task,
            "seed": 0,
            "trajectory": traj,
            "extra": {"agent_overhead_s_per_eval": 0.2},
        }

    runs = [
        run("rppo-prior", "a", [(0.8, 0.7), (0.8, 0.7)]), run("tpe", "a", [(0.6, 0.9), (0.9, 0.6)]),
        run("rppo-prior", "b", [(0.5, 0.5), (0.7, 0.8)]), run("tpe", "b", [(0.5, 0.6), (0.6, 0.6)]),
    ]  # fmt: skip
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in runs))
    md = loto_table(path, [1, 2], versus=["tpe"])
    assert "budget 1: `rppo-prior` >= `tpe` on mean best validation on 2/2 tasks (100%); on the test " in md
    assert "budget 2: `rppo-prior` >= `tpe` on mean best validation on 1/2 tasks (50%); on the test " in md
    assert "(100%); on the test score of that configuration on 0/2" in md
    assert "(50%); on the test score of that configuration on 2/2" in md
    assert "median 0.200 s over 2 runs" in md


def test_screened_runs_from_the_prior_are_seeded():
    def configs(seed):
        env = gym.make("HPO-XGB-Surrogate-v0", task="wine", seed=seed, meta_features=True).unwrapped
        preset = make_preset("rppo-prior", model_kwargs={"screen": 200})
        run_agent(preset_agent(preset), env, 16, seed)
        assert env.n_real_evals == 16 == env.n_episodes  # 10 proposals of the prior, then 6 screened
        return [r["config"] for r in env.history.records]

    a = configs(3)
    assert a == configs(3) and a != configs(4)
