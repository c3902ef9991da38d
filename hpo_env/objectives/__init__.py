"""Objectives: what one evaluation trains and scores."""

from hpo_env.objectives.base import Evaluation, FunctionObjective, Objective
from hpo_env.objectives.xgboost import XGBoostObjective, xgboost_space

__all__ = ["Evaluation", "FunctionObjective", "Objective", "XGBoostObjective", "xgboost_space"]
