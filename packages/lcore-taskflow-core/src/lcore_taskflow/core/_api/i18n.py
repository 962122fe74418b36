"""``GET /api/i18n``: the languages the installed catalogs provide (SPEC §13)."""

from __future__ import annotations

from lcore import Lcore

from .._i18n import default_language, language_list
from .._schema import ListOf, Object, Schema, String


class LanguageOut(Schema):
    code = String(required=True, description="A BCP 47 code (de)")
    name = String(required=True, description="The language's name in itself (Deutsch)")


class Languages(Schema):
    """The languages a profile may choose (``PATCH /api/users/me {"language"}``)."""

    languages = ListOf(Object(LanguageOut), required=True)
    default = String(required=True, description="APP_DEFAULT_LANGUAGE: used when neither "
                                                "profile nor Accept-Language chooses")


def build_i18n_app(kernel) -> Lcore:
    app = Lcore()

    @app.get("/api/i18n", name="i18n_languages", auth=False, returns=Languages)
    def i18n_languages():
        """The languages of the installed catalogs and the default one (public)."""
        return {"languages": language_list(kernel), "default": default_language(kernel)}

    return app
