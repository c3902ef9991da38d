"""Every Python snippet in the README runs as written: in order, in one namespace, from the
repository's root (so ``../shared/datasets`` is where CI lays out the data)."""

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def test_the_readme_has_snippets():
    assert len(snippets()) >= 6


@pytest.mark.slow
def test_every_readme_snippet_runs(monkeypatch, data_dir):
    if not (REPO.parent / "shared" / "datasets").is_dir():
        pytest.skip("the README's snippets read ../shared/datasets")
    monkeypatch.chdir(REPO)
    written = REPO / "runs" / "iris-readme"  # the final-model snippet's run directory
    shutil.rmtree(written, ignore_errors=True)
    namespace: dict = {"__name__": "__readme__"}
    try:
        for i, code in enumerate(snippets()):
            try:
                exec(compile(code, f"README.md python snippet {i}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"README python snippet {i} failed:\n{code}") from e
    finally:
        shutil.rmtree(written, ignore_errors=True)
    assert namespace["study"].best_value > -1.0  # the Optuna snippet found the optimum's neighbourhood
    assert namespace["r"].n_real_evals == 25  # the prior snippet spent its budget
