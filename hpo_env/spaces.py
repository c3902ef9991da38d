"""Typed hyperparameters and the search space that maps actions in [-1, 1] to values.

A hyperparameter's range is defined here and nowhere else. Every agent can speak in
configurations (``decode``) or in actions (``encode``); both directions are exact for
ints and categoricals, so a configuration survives a round trip through an agent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Categorical",
    "Float",
    "Hyperparameter",
    "Int",
    "SearchSpace",
]


def _check_action(name: str, action: float) -> float:
    a = float(action)
    if math.isnan(a):
        raise ValueError(f"action for hyperparameter {name!r} is NaN; expected a number in [-1, 1]")
    # Gaussian policies can overshoot; the env contract is [-1, 1], so clip, don't fail.
    return min(1.0, max(-1.0, a))


@dataclass(frozen=True)
class Float:
    """A real-valued hyperparameter on ``[low, high]``, linear or log scale."""

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        _validate_range(self.name, self.low, self.high, self.log)

    def _to_unit(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def _from_unit(self, u: float) -> float:
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def decode(self, action: float) -> float:
        """Map an action in [-1, 1] to a value in ``[low, high]``."""
        u = (_check_action(self.name, action) + 1.0) / 2.0
        return min(self.high, max(self.low, self._from_unit(u)))

    def encode(self, value: Any) -> float:
        """Map a value in ``[low, high]`` to its action in [-1, 1]."""
        v = float(value)
        if not self.low <= v <= self.high:
            raise ValueError(f"{self.name}={value!r} is outside [{self.low}, {self.high}]")
        return 2.0 * self._to_unit(v) - 1.0

    def round_trip(self, actions: np.ndarray) -> np.ndarray:
        """``encode(decode(a))`` of each action, vectorized: ``a`` clipped to [-1, 1]."""
        u = (np.clip(actions, -1.0, 1.0) + 1.0) / 2.0
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            v = np.clip(np.exp(lo + u * (hi - lo)), self.low, self.high)
            return 2.0 * ((np.log(v) - lo) / (hi - lo)) - 1.0
        v = np.clip(self.low + u * (self.high - self.low), self.low, self.high)
        return 2.0 * ((v - self.low) / (self.high - self.low)) - 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"type": "float", "name": self.name, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Int:
    """An integer hyperparameter on ``[low, high]`` (inclusive), linear or log scale.

    The action interval is cut into ``high - low + 1`` equal bins (equal in log space
    for ``log=True``), one per integer, so every integer is reachable and ``encode``
    returns the bin centre, which decodes back to the same integer.
    """

    name: str
    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        for bound in ("low", "high"):
            v = getattr(self, bound)
            if isinstance(v, bool) or not float(v).is_integer():
                raise ValueError(f"Int {self.name!r}: {bound}={v!r} must be a whole number")
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))
        _validate_range(self.name, self.low, self.high, self.log)

    def _edges(self) -> tuple[float, float]:
        # Values live on [low - 0.5, high + 0.5] so each integer owns a bin of equal width.
        # low >= 1 on a log scale, so low - 0.5 > 0 and the log of every edge exists.
        return self.low - 0.5, self.high + 0.5

    def decode(self, action: float) -> int:
        """Map an action in [-1, 1] to an integer in ``[low, high]``."""
        u = (_check_action(self.name, action) + 1.0) / 2.0
        lo, hi = self._edges()
        x = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if self.log else lo + u * (hi - lo)
        return int(min(self.high, max(self.low, round(x))))

    def encode(self, value: Any) -> float:
        """Map an integer to the centre of its action bin (a round trip is exact)."""
        if isinstance(value, bool) or not float(value).is_integer():
            raise ValueError(f"{self.name}={value!r} is not an integer")
        v = int(value)
        if not self.low <= v <= self.high:
            raise ValueError(f"{self.name}={value!r} is outside [{self.low}, {self.high}]")
        lo, hi = self._edges()
        # Bin of v is [max(lo, v-0.5), min(hi, v+0.5)]; take its centre in the scale used.
        a, b = max(lo, v - 0.5), min(hi, v + 0.5)
        if self.log:
            la, lb, llo, lhi = (math.log(t) for t in (a, b, lo, hi))
            u = ((la + lb) / 2 - llo) / (lhi - llo)
        else:
            u = ((a + b) / 2 - lo) / (hi - lo)
        return 2.0 * u - 1.0

    def round_trip(self, actions: np.ndarray) -> np.ndarray:
        """``encode(decode(a))`` of each action, vectorized: the centre of its integer's bin."""
        u = (np.clip(actions, -1.0, 1.0) + 1.0) / 2.0
        lo, hi = self._edges()
        scale = np.log if self.log else np.asarray  # the scale the bins are equal in
        slo, shi = scale(lo), scale(hi)
        x = np.exp(slo + u * (shi - slo)) if self.log else lo + u * (hi - lo)
        v = np.clip(np.round(x), self.low, self.high)
        centre = (scale(np.maximum(lo, v - 0.5)) + scale(np.minimum(hi, v + 0.5))) / 2
        return 2.0 * ((centre - slo) / (shi - slo)) - 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"type": "int", "name": self.name, "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class Categorical:
    """A hyperparameter that takes one of ``choices``; the action interval is cut into equal bins."""

    name: str
    choices: tuple[Any, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        if len(self.choices) < 1:
            raise ValueError(f"Categorical {self.name!r} needs at least one choice, got {self.choices!r}")
        if len(set(map(repr, self.choices))) != len(self.choices):
            raise ValueError(f"Categorical {self.name!r} has repeated choices: {self.choices!r}")

    def decode(self, action: float) -> Any:
        u = (_check_action(self.name, action) + 1.0) / 2.0
        k = len(self.choices)
        return self.choices[min(k - 1, int(u * k))]

    def encode(self, value: Any) -> float:
        try:
            i = self.choices.index(value)
        except ValueError:
            raise ValueError(f"{self.name}={value!r} is not one of {list(self.choices)!r}") from None
        return 2.0 * (i + 0.5) / len(self.choices) - 1.0

    def round_trip(self, actions: np.ndarray) -> np.ndarray:
        """``encode(decode(a))`` of each action, vectorized: the centre of its choice's bin."""
        k = len(self.choices)
        i = np.minimum(k - 1, ((np.clip(actions, -1.0, 1.0) + 1.0) / 2.0 * k).astype(np.int64))
        return 2.0 * (i + 0.5) / k - 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "name": self.name, "choices": list(self.choices)}


Hyperparameter = Float | Int | Categorical


def _validate_range(name: str, low: float, high: float, log: bool) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"hyperparameter name must be a non-empty string, got {name!r}")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name!r}: bounds must be finite, got low={low!r}, high={high!r}")
    if low >= high:
        raise ValueError(f"{name!r}: low={low!r} must be < high={high!r}")
    if log and low <= 0:
        raise ValueError(f"{name!r}: a log-scale range needs low > 0, got low={low!r}")


_TYPES = {"float": Float, "int": Int, "categorical": Categorical}
_MISSING = object()


class SearchSpace(Sequence[Hyperparameter]):
    """An ordered list of typed hyperparameters with ``decode``/``encode`` for whole configurations.

    A conditional space (YAHPO's XGBoost: the tree parameters only for ``booster`` gbtree or
    dart) names, for each conditional hyperparameter, a categorical parent that comes before
    it and the parent's values under which it is active. A configuration holds the active
    hyperparameters only: ``decode`` leaves the inactive ones out, and ``encode`` gives them
    the action 0.

    Args:
        hyperparameters: the hyperparameters, in the env's default order. Names must be unique.
        conditions: ``{child: (parent, values)}``: ``child`` is active only when the
            categorical ``parent`` (earlier in the order, and active itself) takes one of ``values``.
    """

    def __init__(
        self,
        hyperparameters: Iterable[Hyperparameter],
        conditions: Mapping[str, tuple[str, Iterable[Any]]] | None = None,
    ):
        hps = list(hyperparameters)
        if not hps:
            raise ValueError("a SearchSpace needs at least one hyperparameter")
        for hp in hps:
            if not isinstance(hp, (Float, Int, Categorical)):
                raise TypeError(f"expected Float, Int or Categorical, got {hp!r} of type {type(hp).__name__}")
        names = [hp.name for hp in hps]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"hyperparameter names must be unique; repeated: {dup}")
        self._hps = tuple(hps)
        self.names = tuple(names)
        self._index = {n: i for i, n in enumerate(names)}
        self.conditions: dict[str, tuple[str, tuple[Any, ...]]] = {
            child: (parent, tuple(values)) for child, (parent, values) in (conditions or {}).items()
        }
        for child, (parent, values) in self.conditions.items():
            self._check_condition(child, parent, values)

    def _check_condition(self, child: str, parent: str, values: tuple[Any, ...]) -> None:
        if child not in self._index or parent not in self._index:
            raise ValueError(
                f"condition {child!r} <- {parent!r} names an unknown hyperparameter; known: {list(self.names)}"
            )
        p = self[parent]
        if not isinstance(p, Categorical) or self._index[parent] >= self._index[child]:
            raise ValueError(
                f"condition {child!r} <- {parent!r}: the parent must be a categorical that comes before it"
            )
        if not values or any(v not in p.choices for v in values):
            raise ValueError(
                f"condition {child!r} <- {parent!r}: values {list(values)} must be among {list(p.choices)}"
            )

    @property
    def conditional(self) -> bool:
        """Whether some hyperparameter is active only under a condition."""
        return bool(self.conditions)

    def is_active(self, name: str, values: Mapping[str, Any]) -> bool:
        """Whether ``name`` is active given the ``values`` chosen before it (active ones only)."""
        cond = self.conditions.get(name)
        return cond is None or values.get(cond[0], _MISSING) in cond[1]

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, str):
            return self._hps[self._index[i]]
        return self._hps[i]

    def __len__(self) -> int:
        return len(self._hps)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_list() == other.to_list()

    def __hash__(self) -> int:
        return hash((self._hps, tuple(sorted(self.conditions.items()))))

    def difference(self, other: SearchSpace, mine: str = "this space", theirs: str = "the other") -> str | None:
        """None if the spaces are equal, else the first hyperparameter that differs, in words,
        calling the two spaces ``mine`` and ``theirs`` (for errors that refuse data or
        weights made for another space)."""
        xs, ys = self.to_list(), other.to_list()
        for i in range(max(len(xs), len(ys))):
            a = xs[i] if i < len(xs) else None
            b = ys[i] if i < len(ys) else None
            if a != b:
                return f"hyperparameter {i} is {a} in {mine} but {b} in {theirs}"
        return None

    def __repr__(self) -> str:
        conditions = f", conditions={self.conditions!r}" if self.conditions else ""
        return f"SearchSpace({list(self._hps)!r}{conditions})"

    def index(self, name: str) -> int:  # type: ignore[override]
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"unknown hyperparameter {name!r}; known: {list(self.names)}") from None

    def decode(self, actions: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """Map a vector of actions in [-1, 1] (space order) to a configuration dict."""
        a = np.asarray(actions, dtype=np.float64).reshape(-1)
        if a.shape != (len(self),):
            raise ValueError(f"expected {len(self)} actions (one per hyperparameter), got shape {np.shape(actions)}")
        if not self.conditions:
            return {hp.name: hp.decode(x) for hp, x in zip(self._hps, a, strict=True)}
        out: dict[str, Any] = {}
        for hp, x in zip(self._hps, a, strict=True):
            if self.is_active(hp.name, out):
                out[hp.name] = hp.decode(x)
        return out

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """Map a configuration dict to its actions in [-1, 1], in space order (0 for an inactive
        hyperparameter, which the configuration may leave out)."""
        if self.conditions:
            return self._encode_conditional(config)
        missing = [n for n in self.names if n not in config]
        extra = [k for k in config if k not in self._index]
        if missing or extra:
            raise ValueError(f"configuration does not match the space: missing {missing}, unknown {extra}")
        return np.array([hp.encode(config[hp.name]) for hp in self._hps], dtype=np.float64)

    def _encode_conditional(self, config: Mapping[str, Any]) -> np.ndarray:
        extra = [k for k in config if k not in self._index]
        out, active = np.zeros(len(self)), {}
        for i, hp in enumerate(self._hps):
            if not self.is_active(hp.name, active):
                continue
            if hp.name not in config:
                raise ValueError(f"configuration does not match the space: active {hp.name!r} missing, unknown {extra}")
            active[hp.name] = config[hp.name]
            out[i] = hp.encode(config[hp.name])
        if extra:
            raise ValueError(f"configuration does not match the space: unknown {extra}")
        return out

    def round_trip(self, actions: np.ndarray) -> np.ndarray:
        """``encode(decode(a))`` for each row of ``actions`` (m, n), in one vectorized pass: the
        actions of the configurations they decode to, what a model fitted on ``encode``d
        configurations is asked about. Rows need no ``decode`` into dicts."""
        a = np.asarray(actions, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != len(self):
            raise ValueError(f"expected actions of shape (m, {len(self)}), got shape {a.shape}")
        if np.isnan(a).any():
            raise ValueError("NaN in actions; expected numbers in [-1, 1]")
        return np.stack([hp.round_trip(a[:, j]) for j, hp in enumerate(self._hps)], axis=1)

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """A configuration drawn uniformly in action space (log-uniform for log ranges)."""
        return self.decode(rng.uniform(-1.0, 1.0, size=len(self)))

    def to_list(self) -> list[dict[str, Any]]:
        """JSON-serialisable description, the inverse of :meth:`from_list`; a conditional
        hyperparameter's carries ``"active_if": [parent, [values...]]``."""
        out = [hp.to_dict() for hp in self._hps]
        for d in out:
            if d["name"] in self.conditions:
                parent, values = self.conditions[d["name"]]
                d["active_if"] = [parent, list(values)]
        return out

    @classmethod
    def from_list(cls, spec: Iterable[Mapping[str, Any]]) -> SearchSpace:
        """Build a space from dicts such as ``{"type": "float", "name": "lr", "low": 1e-3, "high": 1, "log": True}``."""
        hps: list[Hyperparameter] = []
        conditions: dict[str, tuple[str, Iterable[Any]]] = {}
        for item in spec:
            if not isinstance(item, Mapping) or "type" not in item:
                raise ValueError(f"each hyperparameter needs a 'type' key (one of {sorted(_TYPES)}), got {item!r}")
            kind = item["type"]
            if kind not in _TYPES:
                raise ValueError(f"unknown hyperparameter type {kind!r}; expected one of {sorted(_TYPES)}")
            kwargs = {k: v for k, v in item.items() if k not in ("type", "active_if")}
            if "active_if" in item:
                conditions[str(item["name"])] = (item["active_if"][0], item["active_if"][1])
            try:
                hps.append(_TYPES[kind](**kwargs))
            except TypeError as e:
                raise ValueError(f"malformed {kind} hyperparameter {dict(item)!r}: {e}") from None
        return cls(hps, conditions)
