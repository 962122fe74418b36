"""Packaging: every wheel and sdist builds, ships its data, installs alone, and works.

Each clean install is a ``--without-pip`` virtualenv driven by the outer pip,
so nothing is in it but what the package pulls in.  A wheel is installed by
itself (core comes from the wheel directory, lcore/pluggy from the index:
nothing is installed by hand); the four sdists are installed together, which
builds each from source.  The installs run concurrently, once per session.
"""

from __future__ import annotations

import tarfile
import zipfile

import pytest
from e2e_installs import clean_install_results
from e2e_support import FEATURES, PACKAGES, Dist, clean_env, run


def source_files(dist: Dist) -> set[str]:
    """Files of the package's import tree, relative to ``src/`` (no caches)."""
    root = dist.source / "src"
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="session")
def clean_installs(dists, tmp_path_factory) -> dict[str, dict | Exception]:
    """The clean installs, started in the background as soon as the dists were built."""
    return clean_install_results(dists, tmp_path_factory.mktemp("clean"))


def result(clean_installs, name: str) -> dict:
    outcome = clean_installs[name]
    if isinstance(outcome, Exception):
        raise AssertionError(f"clean install {name} failed: {outcome}")
    return outcome


@pytest.mark.parametrize("key", list(PACKAGES))
def test_wheel_ships_every_file(key: str, dists) -> None:
    dist = dists[key]
    with zipfile.ZipFile(dist.wheel) as whl:
        names = set(whl.namelist())
    missing = source_files(dist) - names
    assert not missing, f"{dist.wheel.name} lacks {sorted(missing)}"
    assert not any(n.startswith("lcore_taskflow/__init__") for n in names), \
        "lcore_taskflow must stay a namespace package (no __init__.py in the wheel)"
    # the PEP 561 marker: type checkers of the package's users read its annotations
    assert f"lcore_taskflow/{key}/py.typed" in names, f"{dist.wheel.name} lacks py.typed"


@pytest.mark.parametrize("key", list(PACKAGES))
def test_sdist_ships_sources_and_tests(key: str, dists) -> None:
    dist = dists[key]
    with tarfile.open(dist.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    wanted = {f"src/{f}" for f in source_files(dist)} | {"pyproject.toml", "README.md"}
    missing = wanted - names
    assert not missing, f"{dist.sdist.name} lacks {sorted(missing)}"
    assert any(n.startswith("tests/") for n in names), f"{dist.sdist.name} has no tests/"


def test_package_data_in_wheels(dists) -> None:
    def data(key: str) -> list[str]:
        """Everything in the wheel but Python modules and metadata."""
        with zipfile.ZipFile(dists[key].wheel) as whl:
            return [n for n in whl.namelist() if not n.endswith(".py")
                    and ".dist-info/" not in n and not n.endswith("/")]

    assert any(n.endswith(".sql") and "/migrations/" in n for n in data("core")), data("core")
    ui = data("ui")
    assert any(n.startswith("lcore_taskflow/ui/templates/") for n in ui), \
        f"no templates in the ui wheel: {ui}"
    assert any(n.startswith("lcore_taskflow/ui/static/") and n.endswith((".js", ".css"))
               for n in ui), f"no static files in the ui wheel: {ui}"
    notify_sql = [f for f in source_files(dists["notify"]) if f.endswith(".sql")]
    assert set(notify_sql) <= set(data("notify")), notify_sql
    # The compiled German catalogs (docs/translations.md): the server reads only the .mo.
    for key in ("core", "auth", "notify"):
        catalog = f"lcore_taskflow/{key}/locale/de/LC_MESSAGES/{key}.mo"
        assert catalog in data(key), f"no {catalog} in the {key} wheel"


# What a package needs beyond core's: two-factor sign-in (TOTP codes, the setup QR code);
# notify's chat channels (Apprise, and what Apprise itself pulls in).
OWN_DEPENDENCIES = {"auth": ("pyotp", "segno"),
                    "notify": ("apprise", "requests", "requests-oauthlib", "oauthlib", "click",
                               "markdown", "pyyaml", "certifi", "charset-normalizer", "idna",
                               "urllib3")}


@pytest.mark.parametrize("key", list(PACKAGES))
def test_wheel_installs_alone(key: str, clean_installs, dists) -> None:
    env = result(clean_installs, key)
    expected = {"lcore", "pluggy", "zxcvbn", "orjson", "lcore-taskflow-core", PACKAGES[key],
                *OWN_DEPENDENCIES.get(key, ())}
    assert set(env["packages"]) == expected, f"installed into a clean venv: {env['packages']}"
    assert env["packages"][PACKAGES[key]] == dists[key].version
    assert "No broken requirements" in env["check"], env["check"]
    if key == "core":
        assert env["entry_points"] == {}, env["entry_points"]
        assert [p["name"] for p in env["plugins"]] == ["core"], env["plugins"]
    else:
        assert key in env["entry_points"], env["entry_points"]
        assert env["entry_points"][key].startswith(f"lcore_taskflow.{key}"), env["entry_points"]
        assert sorted(p["name"] for p in env["plugins"]) == sorted(["core", key]), env["plugins"]


def test_sdists_install_and_assemble(clean_installs, dists) -> None:
    env = result(clean_installs, "sdists")
    assert {d.name for d in dists.values()} <= set(env["packages"]), env["packages"]
    assert "No broken requirements" in env["check"], env["check"]
    assert set(env["entry_points"]) == set(FEATURES), env["entry_points"]
    assert sorted(p["name"] for p in env["plugins"]) == sorted(["core", *FEATURES]), env


def test_cli_in_clean_venv(clean_installs) -> None:
    env = result(clean_installs, "sdists")
    script = env["python"].parent / "taskflow"
    out = run([script, "plugins"], cwd=env["python"].parent, env=clean_env())
    for name in ("core", *FEATURES):
        assert name in out, out
