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
  OpenML tasks, with conditional hyperparameters; an MLP on 34), the field's shared
  benchmark (:mod:`hpo_env.yahpo`, the ``[yahpo]`` extra).
"""

import gymnasium as gym

from hpo_env.env import HPOEnv, make_cnn_env, make_xgb_env
from hpo_env.fast.multitask import MultiTaskSurrogateEnv
from hpo_env.fast.session import MetaSessionEnv
from hpo_env.fast.surrogate import SurrogateObjective, TabularObjective, make_surrogate_env, make_tabular_env
from hpo_env.fast.tables import Table
from hpo_env.history import History
from hpo_env.metrics import METRICS, Metric
from hpo_env.objectives import Evaluation, FunctionObjective, Objective, XGBoostObjective, xgboost_space
from hpo_env.spaces import Categorical, Float, Int, SearchSpace
from hpo_env.tasks import Task, load_image_task, load_task
from hpo_env.wrappers import ModelRewardWrapper, OneStepWrapper

__all__ = [
    "METRICS",
    "Categorical",
    "Evaluation",
    "Float",
    "FunctionObjective",
    "HPOEnv",
    "History",
    "Int",
    "Metric",
    "ModelRewardWrapper",
    "MetaSessionEnv",
    "MultiTaskSurrogateEnv",
    "Objective",
    "OneStepWrapper",
    "SearchSpace",
    "SurrogateObjective",
    "Table",
    "TabularObjective",
    "Task",
    "XGBoostObjective",
    "load_image_task",
    "load_task",
    "make_cnn_env",
    "make_surrogate_env",
    "make_tabular_env",
    "make_xgb_env",
    "xgboost_space",
]

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
)
for _id, _entry in _ENVS:
    if _id not in gym.registry:
        gym.register(id=_id, entry_point=_entry)
