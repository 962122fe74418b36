"""The gettext catalogs of every package in the repository (``scripts/i18n.py check``):
German complete, placeholders intact, every msgid of the sources extracted, every ``.mo``
compiled from its ``.po``, and the wheel-bound ``locale/`` directories where the plugins
say they are."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "i18n.py"


@pytest.fixture(scope="module")
def i18n():
    if not SCRIPT.exists():  # an sdist of core alone: the other packages are not here
        pytest.skip(f"needs the repository ({SCRIPT} is missing)")
    spec = importlib.util.spec_from_file_location("taskflow_i18n_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_catalog_is_complete_and_compiled(i18n):
    problems = i18n.problems({d: ROOT / p for d, p in i18n.PACKAGES.items()}, i18n.LANGUAGES)
    assert problems == [], "\n".join(problems)


def test_the_check_finds_what_it_promises(i18n, tmp_path):
    """A package with an untranslated text, a broken placeholder and no .mo fails the check."""
    package = tmp_path / "demo"
    package.mkdir()
    (package / "routes.py").write_text(
        "from lcore_taskflow.core import ApiError, Message\n"
        "def f(n):\n"
        "    raise ApiError(404, 'Widget {id} not found', params={'id': n})\n"
        "def g():\n"
        "    return Message('is broken')\n")
    packages = {"demo": package}
    i18n.extract(packages)
    i18n.update(packages, ("de",))
    po = i18n.po_path(package, "demo", "de")
    text = po.read_text()
    text = text.replace('msgid "Widget {id} not found"\nmsgstr ""',
                        'msgid "Widget {id} not found"\nmsgstr "Widget {nummer} fehlt"')
    po.write_text(text)
    found = "\n".join(i18n.problems(packages, ("de",)))
    assert "'is broken' is not translated" in found
    assert "placeholders ['nummer']" in found
    assert "demo.mo is not compiled" in found
    (package / "routes.py").write_text((package / "routes.py").read_text()
                                       + "def h():\n    return Message('a new text')\n")
    assert "'a new text' is not in demo.pot" in "\n".join(i18n.problems(packages, ("de",)))


def test_the_placeholder_pattern_matches_core(i18n):
    from lcore_taskflow.core._i18n import placeholders

    for text in ("{a} and {b_2}", "{{escaped}} {real}", '{"all": true}', "no {1} {x.y}"):
        assert i18n.placeholders(text) == placeholders(text), text


def test_core_declares_its_shipped_catalog(kernel):
    """core's hook points at the locale/ directory inside the package (so in its wheel)."""
    import lcore_taskflow.core as core
    from lcore_taskflow.core._i18n import catalogs

    [(_, directory)] = [c for c in catalogs(kernel) if c[0] == "core"]
    assert Path(directory) == Path(core.__file__).parent / "locale"
    mo = Path(directory) / "de" / "LC_MESSAGES" / "core.mo"
    assert mo.read_bytes()[:4] in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")  # gettext magic
