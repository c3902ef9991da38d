"""Objectives: what one evaluation trains and scores."""

from hpo_env.objectives.base import Evaluation, FunctionObjective, Objective
from hpo_env.objectives.cv import CVObjective
from hpo_env.objectives.xgboost import XGBoostObjective, xgboost_space

__all__ = ["CVObjective", "Evaluation", "FunctionObjective", "Objective", "XGBoostObjective", "xgboost_space"]
