"""YAHPO Gym's surrogates (Pfisterer et al., AutoML Conf 2022) as HPO envs: ``rbv2_xgboost``
(XGBoost on 119 OpenML tasks, conditional hyperparameters) and ``lcbench`` (an MLP on 35).

The ONNX models are read with ``onnxruntime`` alone (:mod:`.surrogate`), not the
``yahpo-gym`` package, whose pins (``numpy<2``, ``ConfigSpace<=0.6.1``) conflict with the
rest of the stack. Needs the ``[yahpo]`` extra and the surrogate files (``../shared/yahpo_data``).
"""

from hpo_env.yahpo.objective import (
    YAHPO_ENVS,
    YAHPO_METRICS,
    YahpoObjective,
    make_lcbench_env,
    make_yahpo_env,
    yahpo_space,
)
from hpo_env.yahpo.surrogate import SCENARIOS, YahpoScenario, YahpoSurrogate, yahpo_dir

__all__ = [
    "SCENARIOS",
    "YAHPO_ENVS",
    "YAHPO_METRICS",
    "YahpoObjective",
    "YahpoScenario",
    "YahpoSurrogate",
    "make_lcbench_env",
    "make_yahpo_env",
    "yahpo_dir",
    "yahpo_space",
]
