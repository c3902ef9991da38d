"""HPO as reinforcement learning: Gymnasium environments whose episodes build a configuration.

``import hpo_env`` registers ``HPO-XGB-v0`` for ``gymnasium.make``.
"""

import gymnasium as gym

from hpo_env.env import HPOEnv, make_xgb_env
from hpo_env.history import History
from hpo_env.metrics import METRICS, Metric
from hpo_env.objectives import Evaluation, FunctionObjective, Objective, XGBoostObjective
from hpo_env.spaces import Categorical, Float, Int, SearchSpace, xgboost_space
from hpo_env.tasks import Task, load_task
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
    "Objective",
    "OneStepWrapper",
    "SearchSpace",
    "Task",
    "XGBoostObjective",
    "load_task",
    "make_xgb_env",
    "xgboost_space",
]

__version__ = "0.1.0"

if "HPO-XGB-v0" not in gym.registry:
    gym.register(id="HPO-XGB-v0", entry_point="hpo_env.env:make_xgb_env")
