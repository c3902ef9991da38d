"""Every Python snippet in the documentation runs as written: each page's snippets in order,
in one namespace per page, from the repository's root (so ``../shared/datasets`` is where CI
lays out the data). The README is the short tour: each of its snippets is a copy of one in
``docs/``, so it runs there."""

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted(p.name for p in (REPO / "docs").glob("*.md"))

#: What a page's snippets must have computed, beyond running without an error.
CHECKS = {
    "integrations.md": lambda ns: ns["study"].best_value > -1.0,  # the sampler found the optimum's neighbourhood
    "prior.md": lambda ns: ns["r"]["n_real_evals"] == 25,  # the prior snippet spent its budget
}


def snippets(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), re.S)


WITH_CODE = [name for name in PAGES if snippets(REPO / "docs" / name)]


def test_every_readme_snippet_is_one_of_the_docs():
    in_docs = {code for name in PAGES for code in snippets(REPO / "docs" / name)}
    readme = snippets(REPO / "README.md")
    assert len(readme) >= 3
    assert [code for code in readme if code not in in_docs] == []


def test_the_docs_have_snippets_and_the_checks_name_real_pages():
    assert sum(len(snippets(REPO / "docs" / name)) for name in WITH_CODE) >= 10
    assert set(CHECKS) <= set(WITH_CODE)


@pytest.mark.slow
@pytest.mark.parametrize("page", WITH_CODE)
def test_every_snippet_of_the_page_runs(page, monkeypatch, data_dir):
    codes = snippets(REPO / "docs" / page)
    if not (REPO.parent / "shared" / "datasets").is_dir():
        pytest.skip("the snippets read ../shared/datasets")
    monkeypatch.chdir(REPO)
    written = REPO / "runs" / "iris-readme"  # the final-model snippet's run directory
    shutil.rmtree(written, ignore_errors=True)
    namespace: dict = {"__name__": "__docs__"}
    try:
        for i, code in enumerate(codes):
            try:
                exec(compile(code, f"docs/{page} python snippet {i}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"docs/{page} python snippet {i} failed:\n{code}") from e
    finally:
        shutil.rmtree(written, ignore_errors=True)
    assert CHECKS.get(page, lambda ns: True)(namespace)
