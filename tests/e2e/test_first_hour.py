"""What a new user reads first stays true and complete (issue 24 item 5).

The root README points at the documentation index, the changelog, the security policy and a
troubleshooting section, and says how long the test command takes and what to run instead;
docs/README.md indexes every document in docs/; the changelog covers every version with
upgrade notes; and no file of the repository names a package registry's host (the packages are
installed from wheels built in the checkout; other projects are linked at their own sites).
"""

from __future__ import annotations

import configparser
import re
import subprocess

import pytest
from e2e_support import REPO

# Written as patterns so that this file does not name the hosts it looks for.
REGISTRY_HOSTS = re.compile(
    r"pypi\.(?:org|python\.org)|pythonhosted\.org|registry\.npmjs\.org|npmjs\.(?:com|org)"
    r"|crates\.io|rubygems\.org|proxy\.golang\.org", re.IGNORECASE)


def tracked_text_files() -> list[str]:
    try:
        names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"git ls-files failed in {REPO}: {exc}")
    return [n for n in names if n and (REPO / n).is_file()]


def test_no_file_names_a_package_registry_host() -> None:
    found = []
    for name in tracked_text_files():
        try:
            text = (REPO / name).read_text("utf-8")
        except UnicodeDecodeError:
            continue  # images, fonts
        found += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                  for m in REGISTRY_HOSTS.finditer(text)]
    assert not found, "link the project's own documentation or repository instead:\n" + \
        "\n".join(found)


def test_the_pattern_finds_what_it_looks_for() -> None:
    sample = "see https://" + "pypi" + ".org/project/lcore/ and files." + "pythonhosted" + ".org"
    assert len(REGISTRY_HOSTS.findall(sample)) == 2


def test_readme_points_at_the_docs_changelog_security_and_troubleshooting() -> None:
    readme = (REPO / "README.md").read_text()
    for target in ("(docs/README.md)", "(CHANGELOG.md)", "(SECURITY.md)", "(#troubleshooting)"):
        assert target in readme, f"README.md does not link {target}"
    section = readme.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for problem in ("address already in use", "no users yet", "default secret key is refused",
                    "Chromium", "PostgreSQL"):
        assert problem in section, f"Troubleshooting says nothing about {problem!r}"


def test_readme_opens_with_the_two_commands_and_says_how_long_tests_take() -> None:
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first_block] == [["bash", "scripts/serve.sh"],
                                                         ["bash", "scripts/test.sh"]]
    assert re.search(r"`test\.sh` takes about \d+ min", readme), "no duration for test.sh"
    quick = re.search(r"`bash scripts/test\.sh -e ([\w,-]+)`", readme)
    assert quick, "no quick subset in the README"
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    envs = tox["tox"]["envlist"]
    for env in quick.group(1).split(","):
        assert env == "lint" or env.split("-")[-1] in envs, f"{env} is not a tox env"


def test_only_python_311_runs_both_engines() -> None:
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    setenv = tox["testenv"]["setenv"]
    assert re.search(r"^py\{310,312,313\}: TASKFLOW_TEST_ENGINES = sqlite$", setenv,
                     re.MULTILINE), setenv


def test_docs_index_lists_every_document() -> None:
    index = (REPO / "docs" / "README.md").read_text()
    missing = [doc.name for doc in sorted((REPO / "docs").glob("*.md"))
               if doc.name != "README.md" and f"]({doc.name})" not in index]
    assert not missing, f"docs/README.md does not list {missing}"


def test_changelog_covers_every_version_with_upgrade_notes() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    init = (REPO / "packages/lcore-taskflow-core/src/lcore_taskflow/core/__init__.py").read_text()
    current = re.search(r'__version__ = "([^"]+)"', init).group(1)
    versions = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, re.MULTILINE)
    assert versions[0] == current, f"the newest entry is {versions[0]}, core is {current}"
    assert versions[-1] == "0.1.0" and len(versions) >= 3, versions
    for older in versions[1:]:
        minor = ".".join(older.split(".")[:2])
        assert f"### Upgrading from {minor}" in changelog, f"no upgrade notes from {minor}"
    assert (REPO / "SECURITY.md").read_text().startswith("# Security policy")
