import numpy as np
import pandas as pd
import pytest

from hpo_env.tasks import load_task


def test_builtin_split_is_stratified_disjoint_and_seeded():
    t = load_task("breast_cancer", seed=3)
    s = t.splits[0]
    parts = [s.train, s.valid, t.test]
    assert sum(map(len, parts)) == len(t.y)
    assert len(np.unique(np.concatenate(parts))) == len(t.y)
    # stratified: every part has close to the overall class balance
    overall = t.y.mean()
    for p in parts:
        assert abs(t.y[p].mean() - overall) < 0.02
    again = load_task("breast_cancer", seed=3)
    other = load_task("breast_cancer", seed=4)
    assert np.array_equal(again.test, t.test) and not np.array_equal(other.test, t.test)


def test_cv_folds_cover_the_non_test_rows():
    t = load_task("wine", cv_folds=3)
    assert len(t.splits) == 3
    valid = np.sort(np.concatenate([s.valid for s in t.splits]))
    rest = np.setdiff1d(np.arange(len(t.y)), t.test)
    assert np.array_equal(valid, rest)


def test_pmlb_reads_the_data_dir(data_dir, monkeypatch):
    t = load_task("pmlb:australian", data_dir=data_dir)
    assert t.X.shape == (690, 14) and t.n_classes == 2
    monkeypatch.setenv("HPO_ENV_DATA_DIR", str(data_dir))
    assert load_task("pmlb:australian").X.shape == (690, 14)


def test_pmlb_unknown_name_lists_what_is_there(data_dir):
    with pytest.raises(FileNotFoundError, match="no PMLB task 'nope'.*'adult'"):
        load_task("pmlb:nope", data_dir=data_dir)


def test_pmlb_without_data_dir_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("HPO_ENV_DATA_DIR", raising=False)
    with pytest.raises(ValueError, match="HPO_ENV_DATA_DIR"):
        load_task("pmlb:adult")


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown task 'mnist'; expected one of \['breast_cancer'"):
        load_task("mnist")


def _mixed_frame(n=120, seed=0):
    rng = np.random.default_rng(seed)
    color = rng.choice(["red", "green", "blue"], n)
    x = rng.normal(size=n)
    label = np.where((color == "red") ^ (x > 0), "yes", "no")
    return pd.DataFrame({"x": x, "color": color, "size": rng.integers(0, 5, n), "label": label})


def test_csv_with_text_columns_becomes_categorical(tmp_path):
    path = tmp_path / "mixed.csv"
    _mixed_frame().to_csv(path, index=False)
    t = load_task(f"csv:{path}", target="label")
    assert t.info["categorical_features"] == ["color"]
    assert list(t.classes) == ["no", "yes"]


def test_csv_missing_target_lists_the_columns(tmp_path):
    path = tmp_path / "mixed.csv"
    _mixed_frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"no target column 'target'; columns are \['x', 'color', 'size', 'label'\]"):
        load_task(f"csv:{path}")


@pytest.mark.parametrize(
    ("sep", "name"), [(";", "other.csv"), ("|", "other.csv"), ("\t", "other.csv"), (";", "other.csv.bz2"),
                      (",", "other.csv.zip")],
)  # fmt: skip
def test_csv_with_another_separator_reads_the_same(tmp_path, sep, name):
    frame = _mixed_frame()
    frame.to_csv(tmp_path / "comma.csv", index=False)
    frame.to_csv(tmp_path / name, index=False, sep=sep)  # pandas compresses by the name
    a, b = (
        load_task(f"csv:{tmp_path / 'comma.csv'}", target="label"),
        load_task(f"csv:{tmp_path / name}", target="label"),
    )
    assert b.info["categorical_features"] == ["color"] and a.X.equals(b.X) and np.array_equal(a.y, b.y)


def test_csv_missing_file():
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_task("csv:/nonexistent/file.csv")


def test_one_class_and_empty_targets_are_refused():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"one class \(1.0\)"):
        load_task("ones", X=X, y=np.ones(10))
    with pytest.raises(ValueError, match="target is empty"):
        load_task("empty", X=np.zeros((0, 2)), y=np.array([]))


def test_bad_split_sizes_and_metric():
    with pytest.raises(ValueError, match="valid_size=0.6 and test_size=0.5"):
        load_task("iris", valid_size=0.6, test_size=0.5)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        load_task("iris", metric="f1")
