"""Fast prediction of a fitted scikit-learn tree ensemble, for one row or a few.

scikit-learn's ``predict`` validates its input and walks each tree in turn: about a
millisecond per call even for one row, which would dominate a fast-mode episode. Here
all trees are packed into flat arrays and walked together, one numpy step per level, so
one prediction costs tens of microseconds. The leaves can carry any number of targets
(each leaf holds the mean of the training rows that fall into it), so one walk answers
validation score, test score and seconds at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["FOREST_SETTINGS", "FORESTS", "PackedForest", "make_forest"]

#: The tree ensembles of fast mode's surrogates and of the reward model: 100 trees, leaves of
#: at least 2 rows (which smooths single noisy evaluations), one thread.
FOREST_SETTINGS: dict[str, Any] = {"n_estimators": 100, "min_samples_leaf": 2, "n_jobs": 1}
#: Kinds of forest :func:`make_forest` builds; :class:`PackedForest` walks either.
FORESTS = ("extra_trees", "random_forest")


def make_forest(kind: str = "extra_trees", seed: int = 0, **overrides: Any) -> Any:
    """An unfitted scikit-learn ``ExtraTreesRegressor`` or ``RandomForestRegressor`` with
    :data:`FOREST_SETTINGS` (``overrides`` replace some of them)."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    if kind not in FORESTS:
        raise ValueError(f"forest kind {kind!r}; expected one of {FORESTS}")
    cls = {"extra_trees": ExtraTreesRegressor, "random_forest": RandomForestRegressor}[kind]
    return cls(**{**FOREST_SETTINGS, **overrides}, random_state=seed)


class PackedForest:
    """A fitted forest's trees in flat arrays, with per-leaf means of ``targets``.

    Args:
        forest: a fitted ``ExtraTreesRegressor``/``RandomForestRegressor`` (anything with
            ``estimators_`` whose items have ``tree_``).
        X: the rows the forest was fitted on, (n, d); None (with ``targets`` None) keeps
            the trees' own leaf values, the forest's prediction.
        targets: (n,) or (n, k) values to average per leaf; NaNs are ignored.
    """

    def __init__(self, forest: Any, X: np.ndarray | None = None, targets: np.ndarray | None = None) -> None:
        trees = [e.tree_ for e in forest.estimators_]
        offsets = np.cumsum([0] + [t.node_count for t in trees])
        n_nodes = int(offsets[-1])
        self.n_trees = len(trees)
        self.roots = offsets[:-1].astype(np.int64)
        self.feature = np.zeros(n_nodes, np.int64)
        self.threshold = np.zeros(n_nodes, np.float64)
        self.left = np.arange(n_nodes, dtype=np.int64)  # a leaf points at itself
        self.right = np.arange(n_nodes, dtype=np.int64)
        for t, off in zip(trees, offsets[:-1], strict=True):
            internal = t.children_left >= 0
            idx = np.nonzero(internal)[0]
            self.feature[off + idx] = t.feature[idx]
            self.threshold[off + idx] = t.threshold[idx]
            self.left[off + idx] = off + t.children_left[idx]
            self.right[off + idx] = off + t.children_right[idx]
        self.depth = max(int(t.max_depth) for t in trees)
        # Renumber the nodes sorted by split feature, so that "x[feature] of every node" is
        # np.repeat(x, counts): contiguous, much cheaper than a gather (see predict_one).
        perm = np.argsort(self.feature, kind="stable")
        inv = np.empty_like(perm)
        inv[perm] = np.arange(n_nodes)
        self.feature, self.threshold = self.feature[perm], self.threshold[perm]
        self.left, self.right, self.roots = inv[self.left[perm]], inv[self.right[perm]], inv[self.roots]
        self._counts = np.bincount(self.feature, minlength=int(forest.n_features_in_))
        self._left32 = self.left.astype(np.int32)
        self._diff32 = (self.right - self.left).astype(np.int32)  # 0 at leaves: they point at themselves
        self._roots32 = self.roots.astype(np.int32)
        if targets is None:
            # The trees' own leaf values (n_outputs of them), in the renumbered order.
            own = np.concatenate([t.value.reshape(t.node_count, -1) for t in trees])
            self.value = own[perm]
        else:
            self.value = self._leaf_means(np.asarray(X, np.float32), np.asarray(targets, np.float64))
        self._any_nan = bool(np.isnan(self.value).any())

    def _leaf_means(self, X: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Per-leaf means of each target over the training rows in that leaf (NaN where none)."""
        Y = targets.reshape(len(targets), -1)
        leaves = self._leaves(X)  # (n, T) global node ids
        k = Y.shape[1]
        sums = np.zeros((len(self.feature), k))
        counts = np.zeros((len(self.feature), k))
        ok = np.isfinite(Y)
        for j in range(k):
            np.add.at(sums[:, j], leaves.ravel(), np.repeat(np.where(ok[:, j], Y[:, j], 0.0), self.n_trees))
            np.add.at(counts[:, j], leaves.ravel(), np.repeat(ok[:, j].astype(float), self.n_trees))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        """Global leaf id of every (row, tree): all trees walked together, one level per step."""
        X = np.asarray(X, dtype=np.float32).astype(np.float64)
        n = len(X)
        node = np.tile(self.roots, (n, 1))
        rows = np.arange(n)[:, None]
        for _ in range(self.depth):
            go_left = X[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return node

    def per_tree(self, X: np.ndarray) -> np.ndarray:
        """Each tree's leaf values for each row: (n, n_trees, k)."""
        return self.value[self._leaves(np.atleast_2d(X))]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean over trees of each target: (n, k). Trees whose leaf has no value for a target are skipped."""
        return np.nanmean(self.per_tree(X), axis=1)

    def predict_one(self, x: np.ndarray) -> np.ndarray:
        """The targets for one row (k,): the fast path of a fast-mode episode.

        Every node's successor for ``x`` is decided at once (a few contiguous vector
        operations over all nodes); the walk is then one gather per level.
        """
        x = np.asarray(x, dtype=np.float32).astype(np.float64)
        nxt = self._left32 + (np.repeat(x, self._counts) > self.threshold) * self._diff32
        node = self._roots32
        for _ in range(self.depth):
            node = nxt[node]
        v = self.value[node]
        return np.nanmean(v, axis=0) if self._any_nan else v.sum(axis=0) / len(v)
