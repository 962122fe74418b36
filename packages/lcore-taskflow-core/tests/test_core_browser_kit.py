"""The browser part of the testing kit (``lcore_taskflow.core.testing.browser``) without a
browser: what it says is missing, the axe-core it injects (4.14 from npm), and its server
process.  The ui, notify, io and webhooks browser tests drive it in Chromium."""

from __future__ import annotations

import re
import socket
import sys

import pytest
from lcore_taskflow.core.testing import browser as kit


def test_missing_browser_names_the_binary_then_the_distribution(monkeypatch, tmp_path):
    monkeypatch.setattr(kit, "CHROMIUM", str(tmp_path / "no-chromium"))
    assert "no-chromium" in kit.missing_browser()
    assert "TASKFLOW_CHROMIUM" in kit.missing_browser()
    monkeypatch.setattr(kit, "CHROMIUM", sys.executable)  # any file that exists
    reason = kit.missing_browser([("json", "json"), ("no_such_module_0", "dist-zero")])
    assert reason == "dist-zero is not installed (the browser tests need no_such_module_0)"
    assert kit.missing_browser([("json", "json")]) is None


def test_axe_core_is_4_14_from_npm(monkeypatch):
    monkeypatch.delenv("TASKFLOW_AXE_JS", raising=False)
    monkeypatch.setattr(kit, "_axe_source", None)
    script, note = kit._npm_axe()
    if script is None:
        print(f"skipping: no axe-core from npm here ({note}); the browser tests fall back")
        pytest.skip(f"no axe-core from npm here: {note}")
    source = kit.axe_source()
    version = re.search(r"axe v(\d+\.\d+\.\d+)", source[:300])
    assert version, source[:300]
    assert version.group(1).startswith(kit.AXE_VERSION + "."), version.group(1)
    assert kit.axe_source() is source  # read once per process


def test_axe_source_takes_a_named_copy(monkeypatch, tmp_path, capsys):
    copy = tmp_path / "axe.min.js"
    copy.write_text("/*! axe v9.9.9 */ window.axe = {};")
    monkeypatch.setenv("TASKFLOW_AXE_JS", str(copy))
    monkeypatch.setattr(kit, "_axe_source", None)
    assert kit.axe_source().startswith("/*! axe v9.9.9")
    assert "TASKFLOW_AXE_JS" in capsys.readouterr().out


def test_browser_server_serves_then_stops_by_pid(tmp_path):
    server = kit.BrowserServer(tmp_path, plugins="", prefix="")
    with server:
        assert kit.http_json(server.base + "/health")["status"] == "ok"
        assert kit.http_status(server.base + "/openapi.json") == 200
        assert server.proc is not None
    assert server.proc is None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0, "still listening"
    assert server.log_path.is_file()
