"""Regression on HPO-XGB-v0: metrics, the bounded reward, the env checkers, tune, predict and bench."""

import json

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env
from sklearn.datasets import load_diabetes
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import hpo_env
from benchmarks.cli import main
from hpo_env import load_task
from hpo_env.final_model import FinalModel
from hpo_env.metrics import METRICS


@pytest.fixture
def diabetes_csv(tmp_path):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    path = tmp_path / "diabetes.csv"
    X.assign(progression=y.astype(float) + 0.5).to_csv(path, index=False)
    return path


def test_a_continuous_target_is_regression_with_r2_and_passes_both_env_checkers():
    X, y = load_diabetes(return_X_y=True)
    env = gym.make("HPO-XGB-v0", task="diabetes", X=X, y=y + 0.5, seed=0)
    task = env.unwrapped.objective.task
    assert task.kind == "regression" and task.metric.name == "r2" and task.n_classes == 0
    check_env(env.unwrapped)
    sb3_check_env(env.unwrapped)
    env.reset(seed=0)
    for _ in range(env.unwrapped.n_hyperparameters):
        _, reward, done, _, info = env.step(env.action_space.sample())
    assert done and reward == pytest.approx(min(1.0, max(-1.0, info["val_score"])))


def test_rewards_are_bounded_transforms_of_each_metric():
    X, y = load_diabetes(return_X_y=True)
    for name in ("neg_rmse", "neg_mae"):
        env = hpo_env.make_xgb_env("diabetes", X=X, y=y + 0.5, metric=name, seed=0)
        obj = env.objective
        sd, mad = np.std(obj.task.y[obj.task.splits[0].train]), None
        scale = obj.task.scale
        if name == "neg_rmse":
            assert scale == pytest.approx(sd)
        assert obj.failure_score == pytest.approx(-2 * scale) and obj.reward(obj.failure_score) == -1.0
        assert obj.reward(0.0) == 1.0 and obj.reward(-scale) == pytest.approx(0.0) and mad is None
        ev = obj.evaluate(env.space.decode(np.zeros(len(env.space))))
        assert -1.0 <= obj.reward(ev.val_score) <= 1.0 and ev.val_score < 0
    r2 = METRICS["r2"]
    assert r2.reward(-5.0, 1.0) == -1.0 and r2.reward(0.3, 1.0) == 0.3


def test_targets_and_metrics_that_do_not_fit_are_clear_errors(diabetes_csv, tmp_path):
    with pytest.raises(ValueError, match="target is continuous .* metric 'accuracy' is for classes"):
        load_task(f"csv:{diabetes_csv}", target="progression", metric="accuracy")
    text = tmp_path / "text.csv"
    text.write_text("a,label\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(30)))
    with pytest.raises(ValueError, match="metric 'r2' is for a numeric target"):
        load_task(f"csv:{text}", target="label", metric="r2")
    # Whole-number targets are classes unless a regression metric says otherwise; then no stratification.
    assert load_task("iris").kind == "classification"
    t = load_task("iris", metric="neg_mae", cv_folds=3)
    assert t.kind == "regression" and len(t.splits) == 3 and t.y.dtype == np.float64


def test_tune_a_regression_csv_then_predict_reproduces_the_test_score(diabetes_csv, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["tune", "--task", f"csv:{diabetes_csv}", "--target", "progression", "--budget", "8", "--out", str(run)]
    assert main([*args, "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "the learned prior is for classification" in captured.err and "rppo" in captured.err
    result = json.loads((run / "result.json").read_text())
    assert result["settings"]["prior"] is None and result["settings"]["task"]["metric"] == "r2"
    df = pd.read_csv(diabetes_csv)
    task = load_task(f"csv:{diabetes_csv}", target="progression", seed=0)
    model = FinalModel.load(run)
    assert model.score(df.iloc[task.test]) == pytest.approx(result["final_model"]["test_score"], abs=1e-9)
    rows = tmp_path / "rows.csv"
    df.iloc[task.test].drop(columns="progression").to_csv(rows, index=False)
    assert main(["predict", str(run), "--data", str(rows), "--out", str(tmp_path / "p.csv")]) == 0
    pred = pd.read_csv(tmp_path / "p.csv")
    assert list(pred.columns) == ["prediction"] and len(pred) == len(task.test)


def test_bench_refuses_the_prior_on_a_regression_task_before_any_run(diabetes_csv, tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    args = ["bench", "--tasks", f"csv:{diabetes_csv}", "--target", "progression", "--agents", "random,rppo-prior"]
    assert main([*args, "--budget", "2", "--seeds", "1", "--out", str(out), "--no-progress"]) == 2
    assert "regression task" in capsys.readouterr().err and not out.exists()
    args = ["bench", "--tasks", f"csv:{diabetes_csv}", "--target", "progression", "--agents", "random,tpe"]
    assert main([*args, "--budget", "3", "--seeds", "1", "--out", str(out), "--no-progress"]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 2 and all(-1.0 <= r["best_val"] <= 1.0 for r in rows)


def test_the_regression_suite_loads(data_dir):
    from benchmarks.suites import SUITE_METRICS, SUITES

    assert len(SUITES["regression"]) == 11 and SUITE_METRICS["regression"] == "r2"
    for spec in SUITES["regression"]:
        t = load_task(spec, data_dir=data_dir, metric="r2")
        assert t.kind == "regression" and t.scale == 1.0 and len(t.test) > 0


def test_whole_number_quantities_are_regression_and_say_so_unless_a_class_metric_is_named():
    X, y = load_diabetes(return_X_y=True)  # progression: 214 distinct whole numbers in 442 rows
    with pytest.warns(UserWarning, match=r"diabetes: the target has 214 distinct whole numbers in 442 rows, so it is "
                      r"tuned as regression \(metric r2\)"):  # fmt: skip
        task = load_task("diabetes", X=X, y=y.astype(int))
    assert task.kind == "regression" and task.metric.name == "r2"
    assert load_task("diabetes", X=X, y=y.astype(int), metric="accuracy").n_classes == 214
    few = (y // 100).astype(int)  # 4 whole-number levels: classes, as before
    assert load_task("diabetes", X=X, y=few).kind == "classification"
