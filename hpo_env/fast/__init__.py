"""Fast mode: the XGBoost env answered from tables of measured evaluations instead of training.

:mod:`.tables` holds the measurements (one table per task, shipped in ``tables/``),
:mod:`.forest` a compact tree ensemble for quick predictions, :mod:`.surrogate` the
single-task envs built on them, and :mod:`.multitask` the env that draws one task per
episode (what the learned prior is meta-trained on).
"""

from hpo_env.fast.forest import PackedForest
from hpo_env.fast.multitask import MultiTaskSurrogateEnv
from hpo_env.fast.surrogate import SurrogateObjective, TabularObjective, make_surrogate_env, make_tabular_env
from hpo_env.fast.tables import TABLE_FORMAT, Table, default_table_dir, list_tables, table_path, task_slug

__all__ = [
    "TABLE_FORMAT",
    "MultiTaskSurrogateEnv",
    "PackedForest",
    "SurrogateObjective",
    "Table",
    "TabularObjective",
    "default_table_dir",
    "list_tables",
    "make_surrogate_env",
    "make_tabular_env",
    "table_path",
    "task_slug",
]
