"""Test-only launcher: core, the test identity and a plugin with runtime settings.

Served like ``taskflow serve`` (host, port, database from ``APP_*``), so two of
them on one database play two servers of one instance.  ``X-Test-User`` names
the caller (``HeaderIdentity``).  Never imported by the package.
"""

from __future__ import annotations

import dataclasses

import waitress
from lcore import Lcore
from lcore_taskflow.core import create_app, hookimpl
from lcore_taskflow.core.testing import HeaderIdentity


@dataclasses.dataclass
class SamplerConfig:
    """A plugin's settings of every kind the plugins screen generates a form for."""

    sampler_limit: int = dataclasses.field(default=10, metadata={
        "runtime": True, "help": "Items per sample"})
    sampler_enabled: bool = dataclasses.field(default=True, metadata={"runtime": True})
    sampler_tags: list[str] = dataclasses.field(default_factory=lambda: ["a", "b"],
                                                metadata={"runtime": True})
    sampler_api_key: str = dataclasses.field(default="", metadata={"runtime": True})
    sampler_endpoint: str = dataclasses.field(default="http://127.0.0.1:9", metadata={
        "secret": True})
    sampler_workers: int = 2

    def validate(self) -> list[str]:
        if not 1 <= self.sampler_limit <= 100:
            return [f"sampler_limit: expected 1-100, got {self.sampler_limit}"]
        return []


class Sampler:
    """A sample plugin whose route reads its settings on every request."""

    name = "sampler"
    version = "1.2.3"
    core_api = "1.1"

    @hookimpl
    def taskflow_config_schema(self):
        return SamplerConfig

    @hookimpl
    def taskflow_mounts(self, kernel):
        app = Lcore()
        config = kernel.config  # kept, as plugins do: changes arrive in place

        @app.get("/api/sampler", name="sampler_state", auth=False)
        def state():
            return {"limit": config.sampler_limit, "enabled": config.sampler_enabled,
                    "tags": config.sampler_tags, "key_length": len(config.sampler_api_key)}

        return [("/", app)]


class Legacy:
    """A plugin written before ``core_api`` existed: it starts, with a warning."""

    name = "legacy"
    version = "0.1"


def main() -> None:
    app = create_app(plugins=[HeaderIdentity(), Sampler(), Legacy()], discover=False, dotenv=None)
    cfg = app.taskflow.config
    try:
        waitress.serve(app, host=cfg.host, port=cfg.port, threads=cfg.threads, ident="TaskFlow")
    finally:
        app.taskflow.close()


if __name__ == "__main__":
    main()
