"""docs/hooks.md is generated from hookspecs.py and events.py: it must not drift."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "gen_hook_docs.py"


def generator():
    if not SCRIPT.is_file():
        reason = f"{SCRIPT} not found: docs are checked in a repository checkout only"
        print(reason)
        pytest.skip(reason)
    return runpy.run_path(str(SCRIPT))


def test_hook_reference_matches_hookspecs_and_events():
    gen = generator()
    committed = gen["OUTPUT"].read_text("utf-8")
    assert committed == gen["render"](), (
        "docs/hooks.md is stale: run `python scripts/gen_hook_docs.py` and commit it")


def test_every_hook_and_event_is_in_the_reference():
    from lcore_taskflow.core import events

    gen = generator()
    text = gen["render"]()
    for name, _, _ in gen["hooks"]():
        assert f"### `{name}(" in text
    for cls in events.CORE_EVENTS:
        assert f"### `{cls.type}` — `events.{cls.__name__}`" in text
