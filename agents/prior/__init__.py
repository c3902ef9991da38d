"""The learned prior: the recurrent policy meta-trained across tasks (:mod:`.pretrain`), the
record of what built its weights (:mod:`.provenance`, the files in ``weights/``), the
default search that screens its samples (:mod:`.screened`), and the session (RL²)
policy's agent (:mod:`.rl2`). Its weights are read by :mod:`agents.transfer.files` and
used by :mod:`agents.rppo.prior_policy`; both are re-exported here."""

from agents.prior.pretrain import (
    PRETRAIN_DEFAULTS,
    check_rebuild,
    clone_top_configs,
    episode_batch,
    pretrain,
    pretrain_folds,
    pretrain_leave_one_out,
    weights_suffix,
)
from agents.prior.provenance import build_environment, environment_differences
from agents.prior.rl2 import RL2Agent, session_policy
from agents.rppo.prior_policy import load_prior_into, prior_policy, propose
from agents.transfer.files import DEFAULT_PRIOR, PRIOR_FORMAT, PriorError, check_prior, load_prior, resolve_prior

__all__ = [
    "DEFAULT_PRIOR",
    "PRETRAIN_DEFAULTS",
    "PRIOR_FORMAT",
    "PriorError",
    "RL2Agent",
    "build_environment",
    "check_prior",
    "check_rebuild",
    "clone_top_configs",
    "environment_differences",
    "episode_batch",
    "load_prior",
    "load_prior_into",
    "pretrain",
    "pretrain_folds",
    "pretrain_leave_one_out",
    "prior_policy",
    "propose",
    "resolve_prior",
    "session_policy",
    "weights_suffix",
]
