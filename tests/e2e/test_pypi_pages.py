"""What PyPI will show for each package, checked on the built wheel and sdist.

* the README renders as PyPI renders it (``twine check --strict``);
* it has no relative link (PyPI has no files to point at: every link is absolute, to the
  repository at :data:`REPO_URL`);
* the metadata is complete: license expression and file, project URLs, a classifier for
  every supported Python, every classifier a real one (PyPI refuses unknown ones).

``REPO_URL`` is a placeholder until the project has its public home; it is the one
repository URL used by every pyproject.toml and package README.
"""

from __future__ import annotations

import email
import re
import sys
import tarfile
import zipfile
from email.message import Message

import pytest
from e2e_support import PACKAGES, REPO, Dist, run

REPO_URL = "https://github.com/taskflow-lcore/taskflow"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)|(?:href|src)\s*=\s*[\"']([^\"']+)|^\s*\[[^\]]+\]:\s*(\S+)",
                  re.MULTILINE)
ABSOLUTE = re.compile(r"^(https?:|mailto:|#)")


def metadata(dist: Dist) -> Message:
    with zipfile.ZipFile(dist.wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(whl.read(name))


def links(markdown: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in LINK.finditer(markdown)]


@pytest.mark.parametrize("key", list(PACKAGES))
def test_readme_renders_on_pypi(key: str, dists) -> None:
    pytest.importorskip("twine", reason="twine is not installed (tox -e e2e has it)")
    dist = dists[key]
    out = run([sys.executable, "-m", "twine", "check", "--strict", dist.wheel, dist.sdist])
    assert out.count("PASSED") == 2, out


@pytest.mark.parametrize("key", list(PACKAGES))
def test_readme_has_no_relative_link(key: str, dists) -> None:
    meta = metadata(dists[key])
    assert meta["Description-Content-Type"].startswith("text/markdown"), meta.items()
    found = links(meta.get_payload())
    assert found, "no links found: the link pattern is broken"
    relative = [link for link in found if not ABSOLUTE.match(link)]
    assert not relative, f"{key}: relative links break on PyPI: {relative}"
    github = [link for link in found if "github.com" in link]
    assert all(link.startswith(REPO_URL) for link in github), github


@pytest.mark.parametrize("key", list(PACKAGES))
def test_metadata_is_complete(key: str, dists) -> None:
    trove = pytest.importorskip("trove_classifiers",
                                reason="trove-classifiers is not installed (tox -e e2e has it)")
    meta = metadata(dists[key])
    assert meta["License-Expression"] == "MIT", meta["License-Expression"]
    assert "LICENSE" in meta.get_all("License-File", []), meta.get_all("License-File")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL", []))
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls), urls
    assert all(u.startswith(REPO_URL) for u in urls.values()), urls
    classifiers = meta.get_all("Classifier", [])
    unknown = [c for c in classifiers if c not in trove.classifiers]
    assert not unknown, f"PyPI would refuse {unknown}"
    for version in PYTHONS:
        assert f"Programming Language :: Python :: {version}" in classifiers, classifiers
    assert meta["Requires-Python"] == f">={PYTHONS[0]}"


@pytest.mark.parametrize("key", list(PACKAGES))
def test_license_ships_in_wheel_and_sdist(key: str, dists) -> None:
    dist = dists[key]
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License"), text[:40]
    assert (dist.source / "LICENSE").read_text() == text, "the package's LICENSE differs"
    with zipfile.ZipFile(dist.wheel) as whl:
        shipped = [n for n in whl.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert shipped and whl.read(shipped[0]).decode() == text, whl.namelist()[-8:]
    with tarfile.open(dist.sdist) as sdist:
        member = next((m for m in sdist.getmembers() if m.name.endswith("/LICENSE")
                       and m.name.count("/") == 1), None)
        assert member is not None, "no LICENSE at the top of the sdist"
        assert sdist.extractfile(member).read().decode() == text
