"""Translations of API messages and emails (SPEC §13, ``docs/translations.md``).

English is the source language: a message's English text is its msgid.
Every package ships a gettext catalog of its own (``<package>/locale/<lang>/
LC_MESSAGES/<domain>.mo``) and declares it with the ``taskflow_translations``
hook; the catalogs of one language are merged (core's first, then the plugins'
in registration order: a msgid shared with an earlier catalog keeps that one's
translation).

A message is translated when it is *rendered*, not when it is raised: code
raises ``ApiError(404, "No task {id}", params={"id": 7})`` or puts a
:class:`Message` in ``fields``, and the error renderer turns it into the
caller's language.  A :class:`Message` is a ``str`` (its English text), so
code that compares, logs or concatenates messages keeps working.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from lcore import request

log = logging.getLogger("lcore_taskflow")

#: The source language: msgids are English, so it needs no catalog.
SOURCE_LANGUAGE = "en"

#: Names of languages in their own language (``GET /api/i18n``); a catalog of a
#: language not listed here is shown by its code.
NATIVE_NAMES = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano",
    "nl": "Nederlands", "pt": "Português", "pt-BR": "Português (Brasil)", "pl": "Polski",
    "sv": "Svenska", "da": "Dansk", "nb": "Norsk bokmål", "fi": "Suomi", "cs": "Čeština",
    "ru": "Русский", "uk": "Українська", "tr": "Türkçe", "ja": "日本語", "zh": "中文",
}

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it (module-level texts)."""
    return msgid


class Message(str):
    """English text that remembers its msgid and parameters, translated when rendered.

    ``Message("must be at most {max} characters", max=200)`` is the ``str``
    ``"must be at most 200 characters"``; the error renderer looks up the
    msgid in the caller's language and fills in the same parameters
    (parameters that are messages themselves are translated too, plain
    values are not).  With
    ``plural`` the count ``n`` chooses the form: ``Message("{n} item",
    plural="{n} items", n=3)``.
    """

    msgid: str
    plural: str | None
    params: dict[str, Any]

    def __new__(cls, msgid: str, *, plural: str | None = None, **params: Any) -> Message:
        if plural is not None and "n" not in params:
            raise TypeError("Message(..., plural=...) needs the count as n=")
        chosen = plural if plural is not None and params["n"] != 1 else msgid
        self = super().__new__(cls, _fill(chosen, params))
        self.msgid, self.plural, self.params = msgid, plural, params
        return self

    def __reduce__(self):  # a pickled message (a cache, a queue) stays translatable
        return (_rebuild, (self.msgid, self.plural, self.params))

    def translated(self, translations: _gettext.NullTranslations) -> str:
        """This message in the language of ``translations``."""
        if self.plural is not None:
            template = translations.ngettext(self.msgid, self.plural, self.params["n"])
        else:
            template = translations.gettext(self.msgid)
        # Only messages among the parameters are translated: a plain value (a
        # field name, a user's text) stays exactly as given.
        params = {k: v.translated(translations) if isinstance(v, Message) else v
                  for k, v in self.params.items()}
        try:
            return _fill(template, params)
        except (KeyError, IndexError, ValueError):  # a broken translation: the source text
            return _fill(self.plural if self.plural and self.params["n"] != 1 else self.msgid,
                         params)


def _rebuild(msgid: str, plural: str | None, params: dict[str, Any]) -> Message:
    return Message(msgid, plural=plural, **params)


def _fill(template: str, params: Mapping[str, Any]) -> str:
    return template.format(**params) if params else template


def translate(text: Any, translations: _gettext.NullTranslations) -> Any:
    """``text`` in the language of ``translations``: a :class:`Message` by its msgid,
    another ``str`` looked up as it is, anything else unchanged."""
    if isinstance(text, Message):
        return text.translated(translations)
    if isinstance(text, str) and text:
        return translations.gettext(text)
    return text


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of ``text`` (``{{`` escapes excluded)."""
    return set(_PLACEHOLDER.findall(text))


# --------------------------------------------------------------- catalogs
def catalogs(kernel) -> tuple[tuple[str, str], ...]:
    """``(domain, locale directory)`` of every installed catalog, core's first."""
    found: list[tuple[str, str]] = []
    for answer in kernel.call("taskflow_translations", kernel=kernel):
        for domain, directory in _pairs(kernel, answer):
            if (domain, str(directory)) not in found:
                found.append((domain, str(directory)))
    return tuple(found)


def _pairs(kernel, answer: Any) -> list[tuple[str, str]]:
    """The ``(domain, directory)`` pairs of one plugin's answer; a malformed answer is
    logged and left out (rendering an error must never fail because of a catalog)."""
    pairs = [answer] if isinstance(answer, tuple) and len(answer) == 2 \
        and isinstance(answer[0], str) else answer
    try:
        checked = [(domain, os.fspath(directory)) for domain, directory in pairs]
        if all(isinstance(domain, str) and domain for domain, _ in checked):
            return checked
    except (TypeError, ValueError):
        pass
    _warn_once(id(kernel), repr(answer)[:200])
    return []


@functools.lru_cache(maxsize=32)
def _warn_once(kernel_id: int, answer: str) -> None:  # once per kernel, not per request
    log.warning("taskflow_translations: expected (domain, directory) or a list of them, "
                "got %s; that catalog is ignored", answer)


@functools.lru_cache(maxsize=64)
def _merged(language: str, installed: tuple[tuple[str, str], ...]) -> _gettext.NullTranslations:
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    first = None
    for domain, directory in installed:
        found = _gettext.translation(domain, directory, languages=_lookup_order(language),
                                     fallback=True)
        if isinstance(found, _gettext.GNUTranslations):
            if first is None:
                first = merged = found
            else:
                merged.add_fallback(found)
    return merged


def _lookup_order(language: str) -> list[str]:
    """``pt-BR`` is looked up as gettext's ``pt_BR``, then ``pt``."""
    parts = language.split("-")
    names = ["_".join([parts[0], *[p.upper() if len(p) == 2 else p for p in parts[1:]]])]
    if len(parts) > 1:
        names.append(parts[0])
    return names


@functools.lru_cache(maxsize=16)
def _languages_in(installed: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    codes = {SOURCE_LANGUAGE}
    for domain, directory in installed:
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            if os.path.isfile(os.path.join(directory, name, "LC_MESSAGES", f"{domain}.mo")):
                codes.add(name.replace("_", "-"))
    return tuple(sorted(codes, key=lambda c: (c != SOURCE_LANGUAGE, c)))


def languages(kernel) -> list[str]:
    """The language codes the installed catalogs provide (English always)."""
    return list(_languages_in(catalogs(kernel)))


#: The public name of :func:`languages` (``from lcore_taskflow.core import ...``).
available_languages = languages


def language_list(kernel) -> list[dict[str, str]]:
    """``[{"code", "name"}]`` for ``GET /api/i18n``."""
    return [{"code": code, "name": NATIVE_NAMES.get(code, code)} for code in languages(kernel)]


def translations(kernel, language: str) -> _gettext.NullTranslations:
    """The merged catalogs of ``language`` (English: no translation at all)."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    return _merged(language, catalogs(kernel))


class Translator:
    """The texts of one language: ``gettext``/``ngettext`` with ``{name}`` parameters.

    ``kernel.translator("de").gettext("Hello {name}", name="Ada")``; for code
    that writes to one person (an email), ``translator_for(kernel, user)``.
    """

    def __init__(self, kernel, language: str):
        self.language = language
        self.translations = translations(kernel, language)

    def gettext(self, msgid: str, **params: Any) -> str:
        """``msgid`` in this language, ``{name}`` placeholders filled from ``params``."""
        return Message(msgid, **params).translated(self.translations)

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """The form for the count ``n`` (also filled in as ``{n}``)."""
        return Message(singular, plural=plural, n=n, **params).translated(self.translations)

    def translate(self, text: Any) -> Any:
        """A :class:`Message` or plain msgid in this language (see :func:`translate`)."""
        return translate(text, self.translations)


# ------------------------------------------------------------ negotiation
def default_language(kernel) -> str:
    """``APP_DEFAULT_LANGUAGE`` (``en`` unless configured)."""
    return kernel.config.get("default_language") or SOURCE_LANGUAGE


def best_match(header: str, available: Iterable[str]) -> str | None:
    """The best language of an ``Accept-Language`` header among ``available``.

    Higher quality first, then header order; ``de-AT`` matches ``de`` and
    ``de`` matches ``de-CH`` when only that one exists; ``q=0`` refuses.
    """
    available = list(available)
    lowered = {code.lower(): code for code in available}
    wanted = []
    for position, part in enumerate(header.split(",")[:32]):  # a header is not a workload
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip().lower()
        if tag and tag != "*" and quality > 0:
            wanted.append((-quality, position, tag))
    for _, _, tag in sorted(wanted):
        if tag in lowered:
            return lowered[tag]
        primary = tag.split("-")[0]
        if primary in lowered:
            return lowered[primary]
        for code in available:
            if code.lower().split("-")[0] == primary:
                return code
    return None


def user_language(kernel, user: Mapping[str, Any] | None) -> str:
    """``user``'s profile language when a catalog provides it, else the default.

    For texts sent to someone who is not making the request (emails).
    """
    chosen = (user or {}).get("language")
    if chosen and chosen in languages(kernel):
        return chosen
    return default_language(kernel)


def request_language(kernel) -> str:
    """The caller's language: profile, else ``Accept-Language``, else the default.

    The profile counts once the request's user is known (every route with
    ``auth=``); rendering an error never starts identification of its own.
    """
    available = languages(kernel)
    user = request.environ.get("taskflow.user")
    chosen = user.get("language") if isinstance(user, dict) else None
    if chosen in available:
        return chosen
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE", "")
    return (best_match(header, available) if header else None) or default_language(kernel)


def request_translator(kernel) -> Translator:
    """A :class:`Translator` for the current request's language."""
    return Translator(kernel, request_language(kernel))


def translator_for(kernel, user: Mapping[str, Any] | None) -> Translator:
    """A :class:`Translator` for texts addressed to ``user`` (their profile language)."""
    return Translator(kernel, user_language(kernel, user))


def vary_headers(language: str) -> dict[str, str]:
    """The headers of an answer whose text follows the caller's language."""
    return {"Content-Language": language, "Vary": "Accept-Language"}
