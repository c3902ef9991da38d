"""HPO as reinforcement learning: Gymnasium environments whose episodes build a configuration.

``import hpo_env`` registers, for ``gymnasium.make``:

- ``HPO-XGB-v0``: XGBoost on tabular data, each episode trains a model;
- ``HPO-CNN-v0``: a small torch CNN on images;
- ``HPO-XGB-Surrogate-v0`` and ``HPO-XGB-Tabular-v0``: fast mode, the XGBoost env
  answered from tables of measured evaluations (a surrogate, or the nearest measured
  row), for RL research that needs thousands of episodes;
- ``HPO-XGB-MultiTask-v0``: fast mode across all tasks with a table, one task per
  episode, the task's meta-features in the observation and a percentile reward (what
  the learned prior is meta-trained on);
- ``HPO-XGB-MetaSession-v0``: the same tasks for meta-RL (RL²), one episode a whole
  tuning session on one task, the session's measured ranks in the observation;
- ``HPO-XGB-YAHPO-v0`` and ``HPO-MLP-LCBench-v0``: YAHPO Gym's surrogates (XGBoost on 119
  OpenML tasks, with conditional hyperparameters; an MLP on 35), the field's shared
  benchmark (:mod:`hpo_env.yahpo`, the ``[yahpo]`` extra);
- ``HPO-XGB-YAHPO-TimeSession-v0``: a whole time-budgeted run on one of those tasks as one
  episode, each configuration's fidelity one more step, the clock in the observation and the
  anytime score as the return (:mod:`hpo_env.yahpo.time_session`).
"""

from typing import Any

import gymnasium as gym

from hpo_env.lazy import lazy_getattr

#: Each public name and the module that defines it, imported on first use (so ``import
#: hpo_env`` registers the envs without loading scikit-learn, pandas or XGBoost).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("HPOEnv", "make_cnn_env", "make_xgb_env"), "hpo_env.env"),
    "MultiTaskSurrogateEnv": "hpo_env.fast.multitask",
    "MetaSessionEnv": "hpo_env.fast.session",
    **dict.fromkeys(("SurrogateObjective", "TabularObjective", "make_surrogate_env", "make_tabular_env"),
                    "hpo_env.fast.surrogate"),
    "Table": "hpo_env.fast.tables",
    "History": "hpo_env.history",
    **dict.fromkeys(("METRICS", "Metric"), "hpo_env.metrics"),
    **dict.fromkeys(("Evaluation", "FunctionObjective", "Objective", "XGBoostObjective", "xgboost_space"),
                    "hpo_env.objectives"),
    **dict.fromkeys(("Categorical", "Float", "Int", "SearchSpace"), "hpo_env.spaces"),
    **dict.fromkeys(("Task", "load_image_task", "load_task"), "hpo_env.tasks"),
    **dict.fromkeys(("ModelRewardWrapper", "OneStepWrapper"), "hpo_env.wrappers"),
}  # fmt: skip
__getattr__: Any = lazy_getattr(__name__, _EXPORTS)

#: Every name of ``_EXPORTS`` (one list, so the two cannot drift apart).
__all__ = sorted(_EXPORTS)

__version__ = "0.1.0"

# String entry points: making one env imports only what it needs.
_ENVS = (
    ("HPO-XGB-v0", "hpo_env.env:make_xgb_env"),
    ("HPO-CNN-v0", "hpo_env.env:make_cnn_env"),
    ("HPO-XGB-Surrogate-v0", "hpo_env.fast.surrogate:make_surrogate_env"),
    ("HPO-XGB-Tabular-v0", "hpo_env.fast.surrogate:make_tabular_env"),
    ("HPO-XGB-MultiTask-v0", "hpo_env.fast.multitask:MultiTaskSurrogateEnv"),
    ("HPO-XGB-MetaSession-v0", "hpo_env.fast.session:MetaSessionEnv"),
    ("HPO-XGB-YAHPO-v0", "hpo_env.yahpo.objective:make_yahpo_env"),
    ("HPO-MLP-LCBench-v0", "hpo_env.yahpo.objective:make_lcbench_env"),
    ("HPO-XGB-YAHPO-TimeSession-v0", "hpo_env.yahpo.time_session:YahpoTimeSessionEnv"),
)
for _id, _entry in _ENVS:
    if _id not in gym.registry:
        gym.register(id=_id, entry_point=_entry)
