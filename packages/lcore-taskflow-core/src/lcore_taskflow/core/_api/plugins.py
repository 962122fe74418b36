"""The plugins screen's API (SPEC §13): ``GET /api/admin/plugins`` and
``PUT /api/admin/plugins/<name>/settings``."""

from __future__ import annotations

from lcore import Lcore

from .._errors import ApiError
from .._plugin_admin import describe_all
from .._schema import ListOf, Object, Schema
from .._validation import json_body


class PluginsOut(Schema):
    """Every plugin the kernel knows, enabled or not, with its generated settings."""

    plugins = ListOf(Object(), required=True)


class SettingsOut(Schema):
    """The plugin's settings after the change (secrets as ***)."""

    settings = ListOf(Object(), required=True)


def build_plugins_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/api/admin/plugins", name="admin_plugins", auth="admin", returns=PluginsOut)
    def admin_plugins():
        """Installed plugins: version, core API, hooks, routes, migrations, health, settings."""
        return {"plugins": describe_all(kernel)}

    @app.put("/api/admin/plugins/<name>/settings", name="admin_plugin_settings",
             auth="admin", returns=SettingsOut,
             responses=(400, (404, "No enabled plugin of that name"), 413,
                        (422, "A key unknown, of the wrong type, not changeable at runtime, "
                              "or refused by the plugin's validate(): `fields` names it")))
    def admin_plugin_settings(name):
        """Change runtime settings of one plugin; every server applies them within
        APP_SETTINGS_REFRESH_SECONDS."""
        if kernel.plugin(name) is None:
            raise ApiError(404, "No enabled plugin named {name}",
                           params={"name": repr(name[:80])})
        body = json_body()
        if not body:
            raise ApiError(422, "Give at least one setting to change", fields={})
        store = kernel.runtime_settings
        values, errors = store.validate(name, body)
        if errors:
            raise ApiError(422, "Invalid settings: {keys}",
                           params={"keys": ", ".join(sorted(errors))},
                           fields=errors)
        user = kernel.current_user()
        with kernel.db.transaction():
            store.store(name, values, user.get("id"))
            kernel.audit("plugin.settings_changed", target=f"plugin:{name}",
                         details={"keys": sorted(values),
                                  "values": {k: v for k, v in values.items()
                                             if not store.is_secret(name, k)}})
        store.refresh(force=True)
        return {"settings": store.describe(name)}

    return app
