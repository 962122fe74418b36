"""lcore-taskflow-core: the TaskFlow kernel and its core APIs for Lcore apps.

Nothing happens at import time; build an app with :func:`create_app` or
install :class:`TaskFlow` into an existing Lcore app.

This module is the public API for plugin authors: everything a plugin needs
is importable from here (plus :mod:`lcore_taskflow.core.hookspecs`, the hook
reference, :mod:`lcore_taskflow.core.events` and the testing kit
:mod:`lcore_taskflow.core.testing`).  Modules whose names start with ``_``
are private and change without notice.  Compatibility: see ``CORE_API`` and
"Compatibility policy" in the README.
"""

from __future__ import annotations

__version__ = "0.3.0"

from . import events
from ._access import role_policy
from ._assembly import RouteCollision
from ._config import ConfigError
from ._contributions import TaskFilter, UIModule
from ._db import SQL, Database, IntegrityError, OperationalError
from ._errors import ApiError, validation_error
from ._extension import Extension
from ._files import send_file
from ._i18n import (
    N_,
    Message,
    Translator,
    available_languages,
    request_language,
    request_translator,
    translator_for,
    user_language,
)
from ._kernel import TaskFlow, create_app
from ._migrate import MigrationError
from ._plugins import CORE_API, ENTRY_POINT_GROUP, PluginCheckError, hookimpl, hookspec
from ._progress import progress_bar
from ._roles import ROLES, Access, Deny, Grant
from ._routetable import Route, add_routes
from ._schema import (
    AnyValue,
    Boolean,
    Choice,
    Date,
    Email,
    Field,
    File,
    Integer,
    Invalid,
    ListOf,
    MapOf,
    Number,
    Object,
    Password,
    Query,
    Schema,
    String,
    Text,
    Username,
)
from ._server import serve, server_missing
from ._validation import EMAIL_RE, Fields, Page, json_body, pagination, query_choice, query_int
from .events import Event

__all__ = [
    "CORE_API",
    "EMAIL_RE",
    "ENTRY_POINT_GROUP",
    "N_",
    "ROLES",
    "SQL",
    "Access",
    "AnyValue",
    "ApiError",
    "Boolean",
    "Choice",
    "ConfigError",
    "Database",
    "Date",
    "Deny",
    "Email",
    "Event",
    "Extension",
    "Field",
    "Fields",
    "File",
    "Grant",
    "Integer",
    "IntegrityError",
    "Invalid",
    "ListOf",
    "MapOf",
    "Message",
    "MigrationError",
    "Number",
    "Object",
    "OperationalError",
    "Page",
    "Password",
    "PluginCheckError",
    "Query",
    "Route",
    "RouteCollision",
    "Schema",
    "String",
    "TaskFilter",
    "TaskFlow",
    "Text",
    "Translator",
    "UIModule",
    "Username",
    "__version__",
    "add_routes",
    "available_languages",
    "create_app",
    "events",
    "hookimpl",
    "hookspec",
    "json_body",
    "pagination",
    "progress_bar",
    "query_choice",
    "query_int",
    "request_language",
    "request_translator",
    "role_policy",
    "send_file",
    "serve",
    "server_missing",
    "translator_for",
    "user_language",
    "validation_error",
]
