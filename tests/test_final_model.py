"""The practitioner's path: tune a CSV, get the final model, apply it to new rows with ``hpo-rl predict``."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks.cli import main
from hpo_env import load_task
from hpo_env.final_model import FinalModel


@pytest.fixture
def csv_task(tmp_path):
    """A CSV with a numeric, a text and an integer feature, and a text label."""
    rng = np.random.default_rng(0)
    n = 500
    df = pd.DataFrame({"a": rng.normal(size=n), "colour": rng.choice(["red", "green", "blue"], n),
                       "b": rng.integers(0, 5, n)})  # fmt: skip
    logit = df.a + 1.5 * (df.colour == "red") - 0.3 * df.b + 0.5 * rng.normal(size=n)
    df["label"] = np.where(logit > 0, "yes", "no")
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path, df


def test_tune_refits_and_predict_reproduces_the_test_score(csv_task, tmp_path, capsys):
    path, df = csv_task
    run = tmp_path / "run"
    assert main(["tune", "--task", f"csv:{path}", "--target", "label", "--budget", "12", "--out", str(run),
                 "--no-progress"]) == 0  # fmt: skip
    final = json.loads((run / "result.json").read_text())["final_model"]
    assert final["n_train_rows"] == 400 and (run / "model.ubj").exists()
    # The test split's rows, as a user would have them in a file.
    task = load_task(f"csv:{path}", target="label", seed=0)
    test_csv = tmp_path / "test_rows.csv"
    df.iloc[task.test].to_csv(test_csv, index=False)
    capsys.readouterr()
    assert main(["predict", str(run), "--data", str(test_csv), "--out", str(tmp_path / "p.csv")]) == 0
    assert f"accuracy against its 'label' column: {final['test_score']:.6g}" in capsys.readouterr().out
    model = FinalModel.load(run)
    assert model.score(df.iloc[task.test]) == pytest.approx(final["test_score"], abs=0)
    pred = pd.read_csv(tmp_path / "p.csv")
    assert list(pred.columns) == ["prediction", "proba_no", "proba_yes"] and len(pred) == len(task.test)
    assert set(pred.prediction) <= {"yes", "no"}
    np.testing.assert_allclose(pred.proba_no + pred.proba_yes, 1.0, atol=1e-6)


def test_predict_reads_new_rows_as_training_did(csv_task, tmp_path, capsys):
    path, df = csv_task
    run = tmp_path / "run"
    assert main(["tune", "--task", f"csv:{path}", "--target", "label", "--budget", "4", "--out", str(run),
                 "--no-progress"]) == 0  # fmt: skip
    model = FinalModel.load(run)
    rows = df.drop(columns="label").iloc[:4][["b", "colour", "a"]].copy()  # another column order
    as_missing = rows.assign(colour=[None] * 4)
    rows.loc[rows.index[0], "colour"] = "purple"  # never seen in training
    p = model.predict_proba(rows)
    # An unseen level is a missing value to XGBoost, as an empty cell is.
    np.testing.assert_allclose(p[0], model.predict_proba(as_missing)[0], rtol=1e-6)
    np.testing.assert_allclose(p[1:], model.predict_proba(df.iloc[1:4])[:], rtol=1e-6)
    capsys.readouterr()
    df.drop(columns="colour").to_csv(tmp_path / "no_colour.csv", index=False)
    assert main(["predict", str(run), "--data", str(tmp_path / "no_colour.csv")]) == 2
    assert "missing column(s) ['colour']" in capsys.readouterr().err
    (tmp_path / "empty.csv").write_text("")
    assert main(["predict", str(run), "--data", str(tmp_path / "empty.csv")]) == 2
    assert "empty.csv" in capsys.readouterr().err
    assert main(["predict", str(tmp_path), "--data", str(path)]) == 2
    assert "holds no final model" in capsys.readouterr().err
    df.assign(label=["maybe", *list(df.label[1:])]).to_csv(tmp_path / "unseen.csv", index=False)
    assert main(["predict", str(run), "--data", str(tmp_path / "unseen.csv"), "--out", str(tmp_path / "u.csv")]) == 0
    out = capsys.readouterr().out  # the predictions are written, and why there is no score is said once
    assert f"wrote {len(df)} predictions" in out and len(pd.read_csv(tmp_path / "u.csv")) == len(df)
    assert "not scored against its 'label' column: " in out and "labels ['maybe'] were not among" in out


def test_numeric_task_round_trips_through_its_column_names(tmp_path):
    run = tmp_path / "run"
    assert main(["tune", "--task", "wine", "--budget", "3", "--out", str(run), "--no-progress"]) == 0
    model = FinalModel.load(run)
    task = load_task("wine", seed=0)
    rows = pd.DataFrame(task.X[task.test], columns=model.schema.columns)
    final = json.loads((run / "result.json").read_text())["final_model"]
    y = pd.Series(np.asarray(task.classes)[task.y[task.test]])
    assert model.score(rows.assign(target=y)) == pytest.approx(final["test_score"], abs=0)
    assert main(["tune", "--task", "iris", "--budget", "3", "--out", str(tmp_path / "r2"), "--no-refit",
                 "--no-progress"]) == 0  # fmt: skip
    assert not (tmp_path / "r2" / "model.json").exists()
