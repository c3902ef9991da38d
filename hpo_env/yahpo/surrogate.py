"""Read a YAHPO Gym surrogate: its ONNX model, the encoding of its categoricals, its space.

What a configuration becomes at the model's input is YAHPO Gym 1.0.2's own rule
(``BenchmarkSet._config_to_xs``): continuous inputs in :attr:`YahpoScenario.cont` order,
0 for an inactive one; categoricals integer-encoded by ``encoding.json``, ``"#na#"`` for an
inactive one. Rows are scored one at a time on one thread, as the reference file's were:
``tests/test_yahpo.py`` checks the reader against ``reference_rbv2_xgboost.jsonl``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hpo_env.optional import require

__all__ = ["SCENARIOS", "YahpoScenario", "YahpoSurrogate", "yahpo_dir"]

#: The environment variable that names the folder holding the scenarios' folders.
YAHPO_DIR_VAR = "HPO_ENV_YAHPO_DIR"


@dataclass(frozen=True)
class YahpoScenario:
    """What the model of one scenario reads and predicts (YAHPO Gym's ``config_dict`` for v1.0.2).

    Attributes:
        name: the scenario's folder.
        cont: continuous inputs, in the model's order.
        cat: categorical inputs, in the model's order.
        targets: the model's outputs, in order.
        instance: the hyperparameter that names the task (an OpenML id).
        fixed: fidelities held fixed at their full value when not tuned.
        runtime: the target that is the training time in seconds (the simulated clock).
        fidelity: the one of ``fixed`` that a partial evaluation lowers (YAHPO Gym's own
            choice: ``trainsize`` for ``rbv2_*``, ``epoch`` for ``lcbench``).
        incremental: whether a run at a higher fidelity continues one at a lower (epochs
            do; a larger training set is a new fit).
    """

    name: str
    cont: tuple[str, ...]
    cat: tuple[str, ...]
    targets: tuple[str, ...]
    instance: str
    fixed: dict[str, Any] = field(default_factory=dict)
    runtime: str = "timetrain"
    fidelity: str = "trainsize"
    incremental: bool = False


SCENARIOS: dict[str, YahpoScenario] = {
    "rbv2_xgboost": YahpoScenario(
        "rbv2_xgboost",
        cont=("nrounds", "eta", "gamma", "lambda", "alpha", "subsample", "max_depth", "min_child_weight",
              "colsample_bytree", "colsample_bylevel", "rate_drop", "skip_drop", "trainsize", "repl"),
        cat=("task_id", "booster", "num.impute.selected.cpo"),
        targets=("acc", "bac", "auc", "brier", "f1", "logloss", "timetrain", "timepredict", "memory"),
        instance="task_id",
        fixed={"trainsize": 1.0, "repl": 10},
    ),
    "lcbench": YahpoScenario(
        "lcbench",
        cont=("epoch", "batch_size", "learning_rate", "momentum", "weight_decay", "num_layers", "max_units",
              "max_dropout"),
        cat=("OpenML_task_id",),
        targets=("time", "val_accuracy", "val_cross_entropy", "val_balanced_accuracy", "test_cross_entropy",
                 "test_balanced_accuracy"),
        instance="OpenML_task_id",
        fixed={"epoch": 52},
        runtime="time",
        fidelity="epoch",
        incremental=True,
    ),
}  # fmt: skip


def yahpo_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the scenarios: ``data_dir``, else ``$HPO_ENV_YAHPO_DIR``, else
    ``yahpo_data`` beside ``$HPO_ENV_DATA_DIR``; a one-line error when it holds no model."""
    if data_dir is None:
        data_dir = os.environ.get(YAHPO_DIR_VAR)
    if data_dir is None and os.environ.get("HPO_ENV_DATA_DIR"):
        data_dir = Path(os.environ["HPO_ENV_DATA_DIR"]).parent / "yahpo_data"
    path = Path(data_dir) if data_dir is not None else None
    if path is None or not any((path / s / "model.onnx").exists() for s in SCENARIOS):
        raise FileNotFoundError(
            f"no YAHPO surrogates at {path}; expected a folder with rbv2_xgboost/model.onnx (or lcbench/): "
            f"pass yahpo_dir= or set {YAHPO_DIR_VAR} (or HPO_ENV_DATA_DIR, beside which it is looked for)"
        )
    return path


class YahpoSurrogate:
    """One scenario's ONNX model, its encoding and its ConfigSpace JSON.

    Args:
        scenario: a key of :data:`SCENARIOS`.
        data_dir: the folder of the scenarios (:func:`yahpo_dir`).
    """

    def __init__(self, scenario: str = "rbv2_xgboost", data_dir: str | os.PathLike[str] | None = None) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario={scenario!r}; expected one of {sorted(SCENARIOS)}")
        require(f"YAHPO scenario {scenario!r}", "onnxruntime")
        import onnxruntime as rt

        self.scenario = SCENARIOS[scenario]
        self.folder = yahpo_dir(data_dir) / scenario
        if not (self.folder / "model.onnx").exists():
            raise FileNotFoundError(f"no {scenario} surrogate at {self.folder / 'model.onnx'}")
        self.encoding: dict[str, dict[str, int]] = json.loads((self.folder / "encoding.json").read_text())
        self.config_space: dict[str, Any] = json.loads((self.folder / "config_space.json").read_text())
        opts = rt.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        self.session = rt.InferenceSession(str(self.folder / "model.onnx"), sess_options=opts)

    @property
    def instances(self) -> tuple[str, ...]:
        """The scenario's tasks (OpenML ids, as strings)."""
        return tuple(k for k in self.encoding[self.scenario.instance] if k != "#na#")

    def inputs(self, config: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The model's inputs for one configuration (task and fidelities included)."""
        sc = self.scenario
        cont = np.array([[float(config.get(k, 0.0)) for k in sc.cont]], np.float32)
        cat = np.array([[self._code(k, config.get(k, "#na#")) for k in sc.cat]], np.int32)
        return {"x_cat": cat, "x_cont": cont}

    def _code(self, name: str, value: Any) -> int:
        codes = self.encoding[name]
        if str(value) not in codes:
            known = [k for k in codes if k != "#na#"]
            raise ValueError(f"{name}={value!r} is not in the {self.scenario.name} surrogate; expected one of {known}")
        return codes[str(value)]

    def predict(self, config: Mapping[str, Any]) -> dict[str, float]:
        """Every target the model predicts for ``config`` (task and fidelities included)."""
        out = self.session.run(None, self.inputs(config))[0][0]
        return {k: float(v) for k, v in zip(self.scenario.targets, out, strict=True)}
