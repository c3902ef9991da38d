"""``tune`` and ``hpo-rl tune`` on real XGBoost: files written, budget kept, runs resume."""

import json
import subprocess
import sys

import pytest

from agents import tune
from benchmarks.cli import main


def read_history(path):
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_tune_writes_result_history_checkpoint_and_tensorboard(tmp_path):
    r = tune("breast_cancer", budget=12, seed=0, out_dir=tmp_path, progress=False)
    assert r["n_real_evals"] == 12 and 0.85 < r["best_val"] <= 1.0 and 0.8 < r["test_of_best"] <= 1.0
    res = json.loads((tmp_path / "result.json").read_text())
    assert res["best_config"] == r["best_config"] and res["n_real_evals"] == 12
    from agents.rppo.policy import HPORecurrentPPO

    policy = HPORecurrentPPO.load(tmp_path / "checkpoint.zip", device="cpu").policy  # the paper's 3 x 35 LSTM
    assert (policy.lstm_actor.num_layers, policy.lstm_actor.hidden_size) == (3, 35)
    assert res["settings"]["policy_kwargs"] == {} and res["settings"]["tuner"] == {}
    ppo = res["settings"]["preset"]["ppo"]
    assert res["settings"]["agent"] == "rppo" and ppo["learning_rate"] == 0.007 and ppo["gamma"] == 1.0
    hist = read_history(tmp_path / "history.jsonl")
    assert len(hist) == 12 and max(h["val_score"] for h in hist) == r["best_val"]
    assert (tmp_path / "checkpoint.zip").exists()
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").rglob("*"))


def test_tune_resumes_and_refuses_other_settings(tmp_path):
    tune("iris", budget=8, seed=1, out_dir=tmp_path, progress=False)
    r = tune("iris", budget=16, seed=1, out_dir=tmp_path, progress=False)
    hist = read_history(tmp_path / "history.jsonl")
    assert r["n_real_evals"] == 16 and [h["n"] for h in hist] == list(range(16))
    with pytest.raises(ValueError, match=r"holds a run with other settings \(task.seed is 1 there, 2 here\)"):
        tune("iris", budget=16, seed=2, out_dir=tmp_path, progress=False)


def test_seeded_runs_are_reproducible(tmp_path):
    a = tune("iris", budget=10, seed=3, progress=False)
    b = tune("iris", budget=10, seed=3, progress=False)
    assert a["best_config"] == b["best_config"] and a["best_val"] == b["best_val"]


def test_killed_cli_run_resumes_without_losing_or_repeating_evaluations(tmp_path, kill_midway):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "benchmarks.cli", "tune", "--task", "digits", "--budget", "40",
           "--seed", "0", "--out", str(out), "--no-progress"]  # fmt: skip
    hist = out / "history.jsonl"
    kill_midway(cmd, hist, 10)
    done = len(read_history(hist))
    assert 10 <= done < 40, "the run should have been killed midway"
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    ns = [h["n"] for h in read_history(hist)]
    assert ns == list(range(40))
    assert json.loads((out / "result.json").read_text())["n_real_evals"] == 40


def test_cli_reports_bad_input_clearly(capsys, tmp_path):
    assert main(["tune", "--task", "nope", "--budget", "2", "--out", str(tmp_path)]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # refused by the parser, before anything is built
        main(["tune", "--task", "iris", "--budget", "0", "--out", str(tmp_path)])
    assert e.value.code == 2 and "argument --budget: '0'; expected a whole number >= 1" in capsys.readouterr().err


def test_readme_main_job_completes_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["tune", "--task", "breast_cancer", "--budget", "30", "--seed", "0", "--out", str(out)]) == 0
    res = json.loads((out / "result.json").read_text())
    assert res["n_real_evals"] == 30 and res["best_val"] > 0.9 and res["test_of_best"] > 0.85
    assert len(read_history(out / "history.jsonl")) == 30
    assert (out / "tb" / "evals").is_dir() and (out / "settings.json").exists() and (out / "model.ubj").exists()
    assert not (out / "checkpoint.zip").exists()  # the default agent's policy never updates: nothing to resume from
    assert '"best_config"' in capsys.readouterr().out


def test_parallel_twins_in_one_step_share_one_real_evaluation():
    """Two side-by-side episodes that build the same configuration: one is trained, the other
    is answered as the cache would answer it, not given the failure reward."""
    import numpy as np

    import hpo_env
    from agents.rppo.vec_env import ParallelEvalVecEnv

    env = hpo_env.make_xgb_env("iris", seed=0)
    venv = ParallelEvalVecEnv(env, 2, backend="process")
    try:
        venv.reset()
        action = np.full((2, 1), 0.3, np.float32)
        for _ in range(env.n_hyperparameters):
            _, rewards, dones, infos = venv.step(action)
    finally:
        venv.close()
    assert dones.all() and env.n_real_evals == 1
    assert [i["real"] for i in infos] == [True, False] and infos[1]["cached"]
    assert rewards[0] == rewards[1] == infos[0]["val_score"] > env.objective.failure_score
