"""Objectives: what one evaluation trains and scores."""

from hpo_env.objectives.base import Evaluation, FunctionObjective, Objective
from hpo_env.objectives.xgboost import XGBoostObjective

__all__ = ["Evaluation", "FunctionObjective", "Objective", "XGBoostObjective"]
