"""What a new or upgraded database gets: each plugin's migrations, then demo data
or the hint how to create the first admin."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from . import _migrate as migrations
from . import _plugins as plugins

log = logging.getLogger("lcore_taskflow")

#: Whether an empty database without demo data logs how to create the first
#: admin.  ``taskflow create-admin`` turns it off: it is creating that admin.
ANNOUNCE_EMPTY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "taskflow_announce_empty", default=True)


def migrate(kernel: Any, batch: list[plugins.PluginInfo] | None = None
            ) -> list[migrations.Migration]:
    """Apply the pending migrations of ``batch`` (default: every plugin); see
    ``TaskFlow.migrate``."""
    registry = kernel.registry
    claims = {} if batch is None else dict(registry.namespaces)
    sources = []
    for info in batch if batch is not None else registry.infos:
        for source in registry.only(info, "taskflow_migrations")():
            if source:
                plugins.claim_namespace(info.name, source, claims)
                sources.append(source)
    with kernel.database() as db:
        applied = migrations.upgrade(db, sources)
    registry.namespaces.update(claims)
    for m in applied:
        log.info("applied migration %s/%04d_%s", m.namespace, m.version, m.name)
    return applied


def seed_demo(config: Any) -> bool:
    """``APP_SEED_DEMO``; by default on in debug mode, off otherwise."""
    value = config.get("seed_demo")
    return bool(config.get("debug")) if value is None else bool(value)


def seed_if_empty(kernel: Any, **options: Any) -> bool:
    """Demo data into an empty database when ``seed_demo``; else say how to begin."""
    with kernel.database() as db:
        if db.count("users"):
            return False
        if not kernel.seed_demo:
            if not ANNOUNCE_EMPTY.get():
                return False
            log.warning("the database has no users yet: create the first admin with "
                        "`taskflow create-admin --username NAME --email ADDRESS` "
                        "(APP_SEED_DEMO=true adds demo users instead)")
            return False
        with db.transaction():
            options.setdefault("progress", lambda done, total: None)
            kernel.hook.taskflow_seed(db=db, kernel=kernel, options=options)
    log.warning("seeded demo data (users admin, alice, bob with their well-known "
                "passwords): change or deactivate them before real use")
    return True
