"""The time-session env (a whole time-budgeted run on YAHPO's clock as one episode) and the
learned agent for time that is meta-trained on it (``rl2-time``)."""

import json

import numpy as np
import pytest

from hpo_env.yahpo.time_session import FIDELITIES, ClockMemory, YahpoTimeSessionEnv, fidelity_of

TASKS = ["31", "3"]


@pytest.fixture(scope="module")
def session_env(yahpo_data):
    return YahpoTimeSessionEnv(TASKS, yahpo_dir=yahpo_data, candidates=30, budget_evals=20)


def _play(env, fidelity_action, seed):
    """One episode: every hyperparameter at 0, every fidelity at ``fidelity_action``."""
    obs, _ = env.reset(seed=seed)
    flag = 1 + len(env.space)  # after the previous action and the one-hot: 1 at the fidelity step
    infos, rewards, done = [], [], False
    while not done:
        obs, r, done, _, info = env.step(np.array([fidelity_action if obs[flag] == 1 else 0.0], np.float32))
        rewards.append(r)
        if info:
            infos.append(info)
    return infos, rewards


def test_the_env_passes_gymnasiums_and_sb3s_checkers(session_env):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check

    check_env(session_env.clone(), skip_render_check=True)
    sb3_check(session_env.clone(), warn=False)


def test_the_return_is_the_area_under_the_best_full_fidelity_percentile_against_log_time(session_env, yahpo_data):
    from hpo_env.yahpo.menu import yahpo_menu

    names, _, _, val, secs = yahpo_menu(30, 0, yahpo_data)
    env = session_env.clone()
    infos, rewards = _play(env, 1.0, seed=0)
    col = [n.rsplit("/", 1)[1] for n in names].index(infos[0]["task"])
    m, budget = float(np.median(secs[:, col])), infos[0]["budget_s"]
    assert budget == pytest.approx(20 * m)

    def log_t(t):
        return float(np.clip(np.log(max(t, m) / m) / np.log(20), 0, 1))

    area, best, t = 0.0, 0.0, 0.0
    for info in infos:
        end = min(info["spent_s"], budget)
        area += best * (log_t(end) - log_t(t))
        if info["spent_s"] < budget and info["error"] is None:
            best = max(best, float(np.mean(val[:, col] <= info["val_score"])))
        t = info["spent_s"]
    if infos[-1]["spent_s"] < budget:  # stopped by max_evals: the rest of the budget at its best
        area += best * (1 - log_t(t))
    assert all(i["fidelity"] == 1.0 for i in infos) and best > 0
    assert sum(rewards) == pytest.approx(area, abs=1e-6) and 0 < sum(rewards) <= 1
    low, low_rewards = _play(env, -1.0, seed=0)  # only partial evaluations: they raise nothing
    assert all(i["fidelity"] == FIDELITIES[0] for i in low) and sum(low_rewards) == 0.0


def test_the_clock_features_are_the_share_spent_the_last_cost_and_fidelity():
    mem = ClockMemory(100.0)
    assert mem.features().tolist() == [0.0] * 6
    mem.record(np.zeros(3), 0.5, 10.0, 1 / 9)
    mem.record(np.ones(3), 0.7, 0.1, 1.0)
    f = mem.features()
    # has_score, last_rank (above 1 of 1 earlier), last_was_best, 10.1/100 spent,
    # 1 + log10(0.1/100)/3 = 0, fidelity 1.
    assert f == pytest.approx([1.0, 1.0, 1.0, 0.101, 0.0, 1.0], abs=1e-6)
    assert [fidelity_of(a) for a in (-1.0, -0.5, 0.0, 0.5, 1.0)] == [1 / 27, 1 / 9, 1 / 3, 1 / 3, 1.0]
    with pytest.raises(ValueError, match="budget_s=0"):
        ClockMemory(0)


def test_unknown_tasks_are_named(yahpo_data):
    with pytest.raises(ValueError, match=r"unknown task id\(s\) \['nope'\]"):
        YahpoTimeSessionEnv(["31", "nope"], yahpo_dir=yahpo_data, candidates=5)


def test_rl2_time_serves_the_held_out_fold_and_spends_the_time_budget(yahpo_data, tmp_path):
    from agents.base import run_agent
    from agents.prior.time_agent import TimeAgent, pretrain_time
    from agents.registry import make_agent
    from hpo_env.yahpo import make_lcbench_env, make_yahpo_env

    (tmp_path / "folds.json").write_text(json.dumps({"folds": [[f"yahpo:rbv2_xgboost/{t}" for t in TASKS]]}))
    pretrain_time(tmp_path / "fold0.time.pt", tasks=["54", "1040"], exclude=TASKS, yahpo_dir=yahpo_data,
                  progress=False, timesteps=240, n_envs=2, episodes_per_env=8, candidates=10)  # fmt: skip
    env = make_yahpo_env("31", yahpo_dir=yahpo_data)
    res = run_agent(TimeAgent(str(tmp_path)), env, 1000, seed=0, time_budget=2000.0)
    recs = env.history.records
    assert res.extra["prior"].endswith("fold0.time.pt") and res.extra["prior_saw_task"] is False
    assert res.n_real_evals == len(recs) > 1 and res.full_evals < 1000  # the clock ended the run
    assert all(r["wall_s"] < 2000.0 for r in recs[:-1])
    fids = {1.0 if r.get("fidelity") is None else r["fidelity"]["data"] for r in recs}
    assert fids <= set(FIDELITIES)
    from agents.transfer.files import PriorError

    with pytest.raises(PriorError, match="rl2-time needs time-policy weights"):
        run_agent(make_agent("rl2-time"), make_yahpo_env("31", yahpo_dir=yahpo_data), 5, seed=0)
    with pytest.raises(PriorError, match="another space"):
        run_agent(TimeAgent(str(tmp_path / "fold0.time.pt")), make_lcbench_env(yahpo_dir=yahpo_data), 5, seed=0)


def test_hpo_rl_pretrains_held_out_time_policies_and_benches_rl2_time_on_them(yahpo_data, tmp_path, monkeypatch):
    from benchmarks.cli import main
    from hpo_env.history import read_jsonl

    monkeypatch.setenv("HPO_ENV_YAHPO_DIR", str(yahpo_data))
    assert main(["pretrain", "--time", "--out", str(tmp_path / "x.time.pt")]) == 2  # no --env: one line, exit 2
    tiny = ["--set", "timesteps=240", "--set", "n_envs=2", "--set", "episodes_per_env=8", "--set", "candidates=10"]
    out = tmp_path / "pol"
    assert main(["pretrain", "--time", "--env", "HPO-XGB-YAHPO-v0", "--folds", "2", "--out", str(out),
                 "--no-progress", *tiny]) == 0  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["fold0.time.pt", "fold1.time.pt", "folds.json"]
    res = tmp_path / "r.jsonl"
    assert main(["bench", "--env", "HPO-XGB-YAHPO-v0", "--tasks", "31", "--agents", "rl2-time", "--prior", str(out),
                 "--budget", "6", "--seeds", "1", "--out", str(res), "--no-progress"]) == 0  # fmt: skip
    (line,) = read_jsonl(res)
    assert line["agent"] == "rl2-time" and line["extra"]["prior_saw_task"] is False and line["full_evals"] >= 6
