"""The CNN objective: a small torch convolutional net per configuration, trained on an image task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hpo_env.objectives.base import Deadline, SplitObjective
from hpo_env.spaces import Categorical, Float, Int, SearchSpace
from hpo_env.tasks import Split, Task

__all__ = ["CNNObjective", "cnn_space"]


def cnn_space() -> SearchSpace:
    """The default CNN space: optimiser, architecture and regularisation, plus the epoch budget."""
    return SearchSpace(
        [
            Float("learning_rate", 1e-4, 1e-1, log=True),
            Categorical("batch_size", (16, 32, 64, 128)),
            Int("n_conv_layers", 1, 3),
            Int("filters", 4, 64, log=True),
            Categorical("kernel_size", (3, 5)),
            Float("dropout", 0.0, 0.5),
            Int("dense_units", 16, 256, log=True),
            Float("weight_decay", 1e-6, 1e-2, log=True),
            Int("epochs", 1, 8),
        ]
    )


_DEFAULTS = {
    "learning_rate": 1e-3, "batch_size": 64, "n_conv_layers": 2, "filters": 16, "kernel_size": 3,
    "dropout": 0.0, "dense_units": 64, "weight_decay": 0.0, "epochs": 3,
}  # fmt: skip


def build_cnn(config: Mapping[str, Any], in_shape: tuple[int, int, int], n_classes: int) -> Any:
    """conv(k, filters * 2**i) -> ReLU -> 2x2 max-pool (while the map is at least 2 wide), then
    dropout -> dense -> ReLU -> dropout -> logits."""
    from torch import nn

    c, h, w = in_shape
    layers: list[Any] = []
    k = int(config["kernel_size"])
    for i in range(int(config["n_conv_layers"])):
        out = int(config["filters"]) * 2**i
        layers += [nn.Conv2d(c, out, k, padding=k // 2), nn.ReLU()]
        if min(h, w) >= 2:
            layers.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
        c = out
    p = float(config["dropout"])
    layers += [
        nn.Flatten(), nn.Dropout(p), nn.Linear(c * h * w, int(config["dense_units"])), nn.ReLU(),
        nn.Dropout(p), nn.Linear(int(config["dense_units"]), n_classes),
    ]  # fmt: skip
    return nn.Sequential(*layers)


class CNNObjective(SplitObjective):
    """Trains a small CNN (AdamW, cross-entropy) per configuration and scores it on the valid split.

    Deterministic under ``seed`` on the CPU: the weights, the batch order and dropout are
    seeded per evaluation, and torch runs on ``torch_threads`` threads.

    Args:
        task: an image task (:func:`~hpo_env.tasks.load_image_task`): ``X`` is (n, C, H, W).
        space: defaults to :func:`cnn_space`. Keys it lacks take fixed defaults (e.g. a
            fixed ``epochs`` budget: leave ``epochs`` out of the space).
        time_limit: seconds per evaluation, checked after every batch; a time-out is a failure.
        seed: seeds each evaluation's torch RNG.
        torch_threads: threads for torch during the evaluation.
    """

    def __init__(
        self,
        task: Task,
        space: SearchSpace | None = None,
        time_limit: float | None = 120.0,
        seed: int = 0,
        torch_threads: int = 1,
    ) -> None:
        if getattr(task.X, "ndim", 0) != 4:
            raise ValueError(
                f"task {task.name!r} is tabular (shape {tuple(task.X.shape)}); the CNN needs images "
                "(n, channels, height, width). Use HPO-XGB-v0 for tabular data."
            )
        super().__init__(task, space if space is not None else cnn_space(), time_limit, seed)
        self.torch_threads = int(torch_threads)

    def fit_predict(
        self, config: Mapping[str, Any], fold: int, split: Split, deadline: Deadline, run: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        import torch as th

        cfg = {**_DEFAULTS, **config}
        threads = th.get_num_threads()
        th.set_num_threads(self.torch_threads)
        try:
            # Weight init and dropout draw from torch's global generator: seed it inside a
            # fork, so training is reproducible without resetting what a policy samples from.
            with th.random.fork_rng(devices=[]):
                th.manual_seed(self.seed * 1000 + fold)
                proba = self._train(cfg, fold, split, deadline)
        finally:
            th.set_num_threads(threads)
        return proba[0].astype(np.float64), proba[1].astype(np.float64)

    def _train(self, cfg: dict[str, Any], fold: int, split: Split, deadline: Deadline) -> list[np.ndarray]:
        """Train one CNN on ``split.train``; class probabilities of the valid and test rows."""
        import torch as th
        from torch import nn

        gen = th.Generator().manual_seed(self.seed * 1000 + fold)
        X = th.from_numpy(np.ascontiguousarray(self.task.X, dtype=np.float32))
        y = th.from_numpy(self.task.y)
        net = build_cnn(cfg, tuple(self.task.X.shape[1:]), self.task.n_classes)
        opt = th.optim.AdamW(net.parameters(), lr=float(cfg["learning_rate"]), weight_decay=float(cfg["weight_decay"]))
        loss_fn = nn.CrossEntropyLoss()
        train = th.from_numpy(split.train)
        bs = int(cfg["batch_size"])
        net.train()
        for _ in range(int(cfg["epochs"])):
            perm = train[th.randperm(len(train), generator=gen)]
            for i in range(0, len(perm), bs):
                idx = perm[i : i + bs]
                opt.zero_grad()
                loss = loss_fn(net(X[idx]), y[idx])
                if not th.isfinite(loss):
                    raise FloatingPointError(f"training loss became {loss.item()} (diverged)")
                loss.backward()
                opt.step()
                deadline.check()
        net.eval()
        with th.no_grad():
            return [th.softmax(net(X[th.from_numpy(ix)]), dim=1).numpy() for ix in (split.valid, self.task.test)]

    def describe(self) -> dict[str, Any]:
        import torch as th

        return {
            "objective": "cnn",
            "time_limit": self.time_limit,
            "seed": self.seed,
            "torch_threads": self.torch_threads,
            "failure_score": self.failure_score,
            "torch_version": th.__version__,
        }
