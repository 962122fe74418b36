"""The documents point only at files that exist.

Checked in every README, CONTRIBUTING.md and docs/: relative link targets
and absolute links into the repository (``REPO_URL/blob/main/...``); in the
root's README and CONTRIBUTING also file paths written in backticks
(``scripts/test.sh``, ``packages/...``), which there start at the checkout's
root (elsewhere a backticked ``tests/...`` may be the reader's own project).
"""

from __future__ import annotations

import re

import pytest
from e2e_support import REPO
from test_pypi_pages import REPO_URL

DOCUMENTS = sorted(
    [REPO / "README.md", REPO / "CONTRIBUTING.md", *REPO.glob("packages/*/README.md"),
     *REPO.glob("examples/*/README.md"), *REPO.glob("bench/README.md"),
     *REPO.glob("docs/*.md")])
ROOTS = ("packages/", "scripts/", "examples/", "tests/", "bench/", "docs/", ".ci/")
TOP_FILES = re.compile(r"^(?:[A-Z][A-Z_-]*\.md|LICENSE|tox\.ini|toxfile\.py|ruff\.toml)$")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
TICKED = re.compile(r"`([^`\s]+)`")
IN_REPO = re.compile(re.escape(REPO_URL) + r"/(?:blob|tree)/main/([^)\s#?\"']+)")


def referenced(doc) -> set[str]:
    """Paths ``doc`` refers to: relative to the checkout, or to ``doc``'s directory."""
    text = doc.read_text("utf-8")
    here = doc.parent.relative_to(REPO)
    paths = set()
    for target in LINK.findall(text):
        if not re.match(r"^(https?:|mailto:|#)", target):
            paths.add((here / target.split("#")[0]).as_posix())
    paths.update(IN_REPO.findall(text))
    for token in TICKED.findall(text) if doc.parent == REPO else ():
        token = token.rstrip(".,:;")
        if any(c in token for c in "<>*{}$=()[]|") or token.startswith(("http", "/")):
            continue
        if token.startswith(ROOTS) or TOP_FILES.match(token):
            paths.add(token)
    return paths


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.relative_to(REPO).as_posix())
def test_documents_point_at_files_that_exist(doc):
    missing = sorted(p for p in referenced(doc) if not (REPO / p).exists())
    assert not missing, f"{doc.relative_to(REPO)} points at missing files: {missing}"


def test_the_check_sees_the_references():
    found = referenced(REPO / "CONTRIBUTING.md") | referenced(REPO / "README.md")
    assert {"scripts/test.sh", "LICENSE", "bench/RESULTS.md"} <= found, sorted(found)
