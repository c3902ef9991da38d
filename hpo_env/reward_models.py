"""Learned reward models: predict a configuration's validation score from past real evaluations.

Inputs are configurations in action space (``SearchSpace.encode``, each coordinate in
[-1, 1]), so one model serves every search space. Each model returns a mean and a
standard deviation (its uncertainty). Which one is the default was measured, not assumed:
``python -m benchmarks.reward_models`` (see docs/tuning.md).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from hpo_env.fast.forest import FOREST_SETTINGS, PackedForest, make_forest
from hpo_env.spaces import SearchSpace

__all__ = [
    "fidelity_dataset",
    "REWARD_MODELS",
    "DEFAULT_REWARD_MODEL",
    "ExtraTreesRewardModel",
    "MLPEnsembleRewardModel",
    "RewardModel",
    "history_dataset",
    "make_reward_model",
]


class RewardModel(abc.ABC):
    """Fitted on (actions, score) pairs; predicts a mean score and its uncertainty."""

    name = "model"

    @abc.abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray) -> RewardModel:
        """Fit on ``X`` (n, d) in [-1, 1] and scores ``y`` (n,)."""

    @abc.abstractmethod
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the score of each row of ``X``."""


class ExtraTreesRewardModel(RewardModel):
    """Extremely randomized trees; the spread of the trees' predictions is the uncertainty.

    Args:
        n_estimators: trees (100 fit in a few hundredths of a second at these sizes).
        min_samples_leaf: leaf size; 2 smooths single noisy evaluations.
        seed: random state.
    """

    name = "extra_trees"

    def __init__(
        self,
        n_estimators: int = FOREST_SETTINGS["n_estimators"],
        min_samples_leaf: int = FOREST_SETTINGS["min_samples_leaf"],
        seed: int = 0,
    ) -> None:
        self.model = make_forest("extra_trees", seed, n_estimators=n_estimators, min_samples_leaf=min_samples_leaf)
        self._packed: PackedForest | None = None

    def fit(self, X: np.ndarray, y: np.ndarray) -> ExtraTreesRewardModel:
        self.model.fit(np.asarray(X, np.float64), np.asarray(y, np.float64))
        self._packed = PackedForest(self.model)
        return self

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # The trees' own predict validates its input each call (about 1 ms a tree); the packed
        # walk (hpo_env.fast.forest) takes all trees at once. Laid out (trees, rows) as the
        # trees' predictions stack, so the mean and spread add up in the same order.
        assert self._packed is not None, "fit the reward model first"
        per_tree = np.ascontiguousarray(self._packed.per_tree(np.asarray(X, np.float32))[:, :, 0].T)
        return per_tree.mean(axis=0), per_tree.std(axis=0)


class MLPEnsembleRewardModel(RewardModel):
    """An ensemble of small torch MLPs on bootstrap resamples (the paper's kind of model).

    Targets are standardised; the ensemble's spread is the uncertainty.

    Args:
        n_members: networks in the ensemble.
        hidden: hidden layer sizes.
        epochs: full-batch Adam steps per fit.
        lr: Adam learning rate.
        weight_decay: L2 penalty, for the small data it sees.
        seed: seeds the bootstrap and the initial weights.
    """

    name = "mlp_ensemble"

    def __init__(
        self,
        n_members: int = 5,
        hidden: tuple[int, ...] = (64, 64),
        epochs: int = 300,
        lr: float = 1e-2,
        weight_decay: float = 1e-3,
        seed: int = 0,
    ) -> None:
        self.n_members, self.hidden, self.epochs = n_members, tuple(hidden), epochs
        self.lr, self.weight_decay, self.seed = lr, weight_decay, seed
        self.nets: list[Any] = []
        self._mu, self._sd = 0.0, 1.0

    def _net(self, d: int) -> Any:
        from torch import nn

        layers: list[Any] = []
        for h in self.hidden:
            layers += [nn.Linear(d, h), nn.Tanh()]
            d = h
        return nn.Sequential(*layers, nn.Linear(d, 1))

    def fit(self, X: np.ndarray, y: np.ndarray) -> MLPEnsembleRewardModel:
        import torch as th

        X = np.asarray(X, np.float32)
        y = np.asarray(y, np.float64)
        self._mu, self._sd = float(y.mean()), float(y.std()) or 1.0
        yt = ((y - self._mu) / self._sd).astype(np.float32)
        rng = np.random.default_rng(self.seed)
        gen = th.Generator().manual_seed(self.seed)
        self.nets = []
        for _ in range(self.n_members):
            idx = rng.integers(0, len(X), len(X))
            with th.random.fork_rng():
                th.manual_seed(int(th.randint(0, 2**31 - 1, (1,), generator=gen)))
                net = self._net(X.shape[1])
            opt = th.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            xb, yb = th.from_numpy(X[idx]), th.from_numpy(yt[idx]).unsqueeze(1)
            for _ in range(self.epochs):
                opt.zero_grad()
                loss = th.mean((net(xb) - yb) ** 2)
                loss.backward()
                opt.step()
            self.nets.append(net)
        return self

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch as th

        with th.no_grad():
            xt = th.from_numpy(np.asarray(X, np.float32))
            preds = np.stack([net(xt).squeeze(1).numpy() for net in self.nets]).astype(np.float64)
        preds = preds * self._sd + self._mu
        return preds.mean(axis=0), preds.std(axis=0)


REWARD_MODELS: dict[str, Callable[..., RewardModel]] = {
    "extra_trees": ExtraTreesRewardModel,
    "mlp_ensemble": MLPEnsembleRewardModel,
}

#: The default, chosen by held-out rank correlation (``python -m benchmarks.reward_models``).
DEFAULT_REWARD_MODEL = "extra_trees"


def make_reward_model(name: str | RewardModel = DEFAULT_REWARD_MODEL, seed: int = 0, **kwargs: Any) -> RewardModel:
    if isinstance(name, RewardModel):
        return name
    try:
        return REWARD_MODELS[name](seed=seed, **kwargs)
    except KeyError:
        raise ValueError(f"unknown reward model {name!r}; expected one of {sorted(REWARD_MODELS)}") from None


def fidelity_dataset(space: SearchSpace, records: Iterable[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(actions + [rounds fraction, data fraction], scores): a reward model's training data
    across fidelities (:mod:`hpo_env.fidelity`), so it can be asked about full fidelity.

    Each successful record gives its score at its own fidelity (a pruned one, the last
    point it reached) and the points of its learning curve at the Hyperband rungs
    (1/27, 1/9, 1/3 of the rounds) below that. Failures are left out, as in :func:`history_dataset`.
    """
    from hpo_env.fidelity import CURVE_STEPS, RUNG_STEPS

    rungs = set(RUNG_STEPS[:-1])
    rows: list[np.ndarray] = []
    y: list[float] = []
    for r in records:
        if r.get("error") is not None:
            continue
        x, fid = space.encode(r["config"]), r.get("fidelity") or {}
        data = float(fid.get("data", 1.0))
        last = r["curve"][-1][0] / CURVE_STEPS if r.get("pruned") else float(fid.get("rounds", 1.0))
        points = [
            (step / CURVE_STEPS, v) for step, v in r.get("curve") or [] if step in rungs and step / CURVE_STEPS < last
        ]
        for rounds, v in [*points, (last, r["val_score"])]:
            rows.append(np.concatenate([x, [rounds, data]]))
            y.append(float(v))
    if not rows:
        return np.zeros((0, len(space) + 2)), np.zeros(0)
    return np.stack(rows), np.asarray(y, np.float64)


def history_dataset(space: SearchSpace, records: Iterable[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(actions, scores) of the successful real evaluations: the reward model's training data.

    Failed and timed-out evaluations are left out: their penalty says nothing about the
    score surface and would drag predictions near them towards it.
    """
    rows = [(space.encode(r["config"]), r["val_score"]) for r in records if r.get("error") is None]
    if not rows:
        return np.zeros((0, len(space))), np.zeros(0)
    X, y = zip(*rows, strict=True)
    return np.stack(X), np.asarray(y, np.float64)
