"""What a trained artefact was built with: package versions, CPU kernels and thread settings.

Training on the CPU is deterministic on one machine, but the same seed and settings give
other weights under another torch, NumPy or SB3 release, or with other CPU kernels. A
weights file records :func:`build_environment` so that a rebuild that does not match can
say why (:func:`environment_differences`).
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from typing import Any

__all__ = ["PACKAGES", "THREAD_VARIABLES", "build_environment", "environment_differences"]

#: Distributions whose release can change what training computes.
PACKAGES = (
    "hpo-rl", "torch", "numpy", "stable-baselines3", "sb3-contrib", "gymnasium", "scikit-learn", "xgboost", "scipy",
)  # fmt: skip
#: Environment variables that set BLAS and OpenMP threads or kernels.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
)  # fmt: skip


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def build_environment() -> dict[str, Any]:
    """Python, package versions, torch's threads and CPU kernels, and the thread variables, as plain data."""
    import torch as th

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "packages": {name: _version(name) for name in PACKAGES},
        "torch_threads": th.get_num_threads(),
        "torch_interop_threads": th.get_num_interop_threads(),
        "cpu_capability": th.backends.cpu.get_cpu_capability(),
        "variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def environment_differences(recorded: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """Lines ``"key: recorded -> current"`` for every setting that differs (one line if nothing was recorded)."""
    if not recorded:
        return ["the build environment was not recorded (a file from before provenance was stored)"]
    a, b = _flatten(recorded), _flatten(current)
    return [f"{k}: {a.get(k)} -> {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
