"""Names a package exports but imports on first use (PEP 562), so importing the package is cheap.

``hpo-rl --help`` must not wait for torch, scikit-learn or the agents: a package's
``__init__`` maps each public name to the module that defines it, and ``lazy_getattr``
imports that module when the name is first read (``from package import name`` included).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``exports`` maps each name to its module."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)  # later reads skip this function
        return value

    return __getattr__
