"""Shared fixtures: the real data directory, found the way CI lays it out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``$HPO_ENV_DATA_DIR`` or ``../shared/datasets``; CI must have it, elsewhere the test skips."""
    d = Path(os.environ.get("HPO_ENV_DATA_DIR", REPO.parent / "shared" / "datasets"))
    if not (d / "pmlb").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real data sets at {d} (set HPO_ENV_DATA_DIR)")
        pytest.skip(f"no data directory at {d}; set HPO_ENV_DATA_DIR")
    return d
