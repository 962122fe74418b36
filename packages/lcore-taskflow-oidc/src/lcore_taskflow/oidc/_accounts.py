"""Who a verified OpenID identity is in TaskFlow, and what their groups give them.

An identity is ``(issuer, sub)``: the provider's promise that it is one
person, whatever their email or name become.  At each sign-in:

1. a link ``(issuer, sub) -> user`` (table ``oidc_links``) decides;
2. else an existing account with the same email is linked — only when the
   provider says the address is verified (``email_verified`` true): anyone
   can type an unverified address into some providers' profiles;
3. else a user is created (``APP_OIDC_CREATE_USERS``) through
   ``kernel.users.create`` with a random password nobody knows;
4. the groups claim sets the memberships of the mapped teams
   (``APP_OIDC_TEAM_MAP``) and the admin role (``APP_OIDC_ADMIN_GROUPS``).

Teams and roles have no public service in core yet (``kernel.users`` only
creates and looks up), so the team and role changes are the same statements
core's own ``/api/teams`` and ``PATCH /api/users`` handlers run, followed by
the same events (``team.created``, ``team.member_added``,
``team.member_removed``, ``user.updated``), so the activity feed, the audit
log and other plugins see them as they see an admin's changes.  The actor of
those events is ``None``: the provider decided, not a person in TaskFlow.
Everything runs in the caller's transaction.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Iterator
from typing import Any

from lcore_taskflow.core import EMAIL_RE, ApiError, IntegrityError, events

from ._config import OIDCConfig

log = logging.getLogger("lcore_taskflow.oidc")

USER_COLUMNS = "id, username, email, role, is_active, token_generation"


class Refused(ApiError):
    """A verified identity that may not sign in (403), with the reason for the audit log."""

    def __init__(self, message: str, reason: str, **params: Any) -> None:
        super().__init__(403, message, params=params)
        self.reason = reason


def groups_of(claims: dict[str, Any], name: str) -> set[str]:
    """The groups claim ``name`` as a set of strings.

    ``name`` is a claim (``groups``, or a namespaced one such as
    ``https://example.com/groups``) or a dotted path into nested claims
    (``realm_access.roles``).  A missing claim is no groups at all.
    """
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return {value}
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value if isinstance(v, (str, int)) and str(v)}
    return set()


def email_verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def username_candidates(claims: dict[str, Any]) -> Iterator[str]:
    """Usernames to try for a new user: from ``preferred_username``, the email or the name."""
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    base = ""
    for value in (claims.get("preferred_username"), email, claims.get("name"),
                  claims.get("nickname")):
        if isinstance(value, str) and value.strip():
            base = value.strip()
            break
    if "@" in base:
        base = base.split("@", 1)[0]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-._")[:32]
    if len(base) < 3:
        base = f"{base}-user" if base else "user"
    yield base
    for n in range(2, 100):
        suffix = f"-{n}"
        yield base[:32 - len(suffix)] + suffix
    while True:
        suffix = f"-{secrets.token_hex(4)}"
        yield base[:32 - len(suffix)] + suffix


def _user(db, user_id: int) -> dict[str, Any] | None:
    """A users row with what a session needs (``token_generation``), no password hash."""
    return db.fetchone(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))


class Accounts:
    """Resolve identities to users for one kernel."""

    def __init__(self, kernel, settings: OIDCConfig) -> None:
        self.kernel = kernel
        self.settings = settings

    # --------------------------------------------------------------- entry
    def sign_in(self, claims: dict[str, Any]) -> dict[str, Any]:
        """The user behind ``claims`` (verified), linked, created and synced as configured.

        Call inside a transaction; raises :class:`Refused` when the identity
        may not sign in.
        """
        db = self.kernel.db
        issuer, subject = str(claims["iss"]), str(claims["sub"])
        link = db.fetchone("SELECT * FROM oidc_links WHERE issuer = ? AND subject = ?",
                           (issuer, subject))
        user = _user(db, link["user_id"]) if link else None
        if link and user is None:  # the user was deleted while this plugin was off
            db.execute("DELETE FROM oidc_links WHERE id = ?", (link["id"],))
            link = None
        if link is None:
            user, how = self._find_or_create(claims)
            link_id = db.insert("oidc_links", {
                "issuer": issuer, "subject": subject, "user_id": user["id"],
                "email": claims.get("email") if isinstance(claims.get("email"), str) else None,
                "created_at": time.time()})
            link = db.fetchone("SELECT * FROM oidc_links WHERE id = ?", (link_id,))
            self.kernel.audit("oidc.linked", target=f"user:{user['username']}", actor=user,
                              details={"issuer": issuer, "subject": subject, "by": how})
        if not user["is_active"]:
            raise Refused("The TaskFlow account {username} is deactivated: "
                          "ask an admin to reactivate it", "inactive",
                          username=repr(user["username"]))
        groups = groups_of(claims, self.settings.oidc_groups_claim)
        self._sync_teams(user, groups)
        user = self._sync_admin(user, link, groups)
        db.execute("UPDATE oidc_links SET last_login_at = ?, email = ? WHERE id = ?",
                   (time.time(), claims.get("email") if isinstance(claims.get("email"), str)
                    else link["email"], link["id"]))
        return user

    # ------------------------------------------------------- link or create
    def _find_or_create(self, claims: dict[str, Any]) -> tuple[dict[str, Any], str]:
        email = claims.get("email")
        email = email.strip() if isinstance(email, str) else ""
        existing = self.kernel.users.by_email(email) if email else None
        if existing is not None:
            if not email_verified(claims):
                raise Refused(
                    "A TaskFlow account with the email address {email} already exists, but "
                    "the identity provider does not confirm that this address is verified, so "
                    "the sign-in cannot be linked to it. Verify the address with your identity "
                    "provider, or sign in with your TaskFlow password.", "email_unverified",
                    email=email)
            return _user(self.kernel.db, existing["id"]), "email"
        if not self.settings.oidc_create_users:
            raise Refused("There is no TaskFlow account for this sign-in and accounts are not "
                          "created automatically (APP_OIDC_CREATE_USERS=false): ask an admin "
                          "to create yours with the email address your identity provider "
                          "shares and a verified address.", "no_account")
        if not (email and len(email) <= 254 and EMAIL_RE.match(email)):
            raise Refused("The identity provider did not share a usable email address, which "
                          "a new TaskFlow account needs (is 'email' among APP_OIDC_SCOPES?)",
                          "no_email")
        return self._create(claims, email), "created"

    def _create(self, claims: dict[str, Any], email: str) -> dict[str, Any]:
        password = secrets.token_urlsafe(48)  # random, never shown: sign-in is the provider's
        for attempt, username in enumerate(username_candidates(claims)):
            try:
                created = self.kernel.users.create(
                    {"username": username, "email": email, "password": password,
                     "role": "member"})
            except ApiError as exc:
                taken = exc.fields or {}
                if exc.status_code == 409 and "username" in taken and "email" not in taken \
                        and attempt < 200:
                    continue
                raise
            return _user(self.kernel.db, created["id"])
        raise AssertionError("unreachable")  # pragma: no cover

    # ---------------------------------------------------------------- sync
    def _sync_teams(self, user: dict[str, Any], groups: set[str]) -> None:
        pairs = self.settings.team_map()
        if not pairs:
            return
        db, kernel = self.kernel.db, self.kernel
        managed = {team.lower(): team for _, team in pairs}
        wanted = {team.lower(): team for group, team in pairs if group in groups}
        marks = ", ".join("?" for _ in managed)
        teams = {row["name"].lower(): row for row in db.fetchall(
            f"SELECT id, name FROM teams WHERE lower(name) IN ({marks})", list(managed))}
        member_of = {row["team_id"] for row in db.fetchall(
            "SELECT team_id FROM team_members WHERE user_id = ?", (user["id"],))}
        who = {"id": user["id"], "username": user["username"]}
        for key, name in sorted(wanted.items()):
            team = teams.get(key) or self._create_team(name)
            if team is None or team["id"] in member_of:
                continue
            db.execute("INSERT INTO team_members (team_id, user_id, created_at) VALUES (?, ?, ?)",
                       (team["id"], user["id"], time.time()))
            kernel.emit(events.TeamMemberAdded(
                actor=None, team={"id": team["id"], "name": team["name"]}, user=who))
        for key, team in sorted(teams.items()):
            if key not in wanted and team["id"] in member_of:
                db.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                           (team["id"], user["id"]))
                kernel.emit(events.TeamMemberRemoved(
                    actor=None, team={"id": team["id"], "name": team["name"]}, user=who))

    def _create_team(self, name: str) -> dict[str, Any] | None:
        if not self.settings.oidc_create_teams:
            log.info("oidc: no team named %r (APP_OIDC_TEAM_MAP); create it, or set "
                     "APP_OIDC_CREATE_TEAMS=true", name)
            return None
        db = self.kernel.db
        try:
            with db.transaction():
                team_id = db.insert("teams", {"name": name})
                self.kernel.emit(events.TeamCreated(actor=None,
                                                    team={"id": team_id, "name": name}))
            return {"id": team_id, "name": name}
        except IntegrityError:  # created meanwhile by a concurrent sign-in
            return db.fetchone("SELECT id, name FROM teams WHERE lower(name) = lower(?)",
                               (name,))

    def _sync_admin(self, user: dict[str, Any], link: dict[str, Any],
                    groups: set[str]) -> dict[str, Any]:
        admin_groups = set(self.settings.oidc_admin_groups)
        if not admin_groups:
            return user
        db = self.kernel.db
        if admin_groups & groups:
            if user["role"] == "admin":
                return user
            db.execute("UPDATE oidc_links SET admin_granted = 1, role_before_admin = ?"
                       " WHERE id = ?", (user["role"], link["id"]))
            return self._set_role(user, "admin")
        if not link["admin_granted"]:
            return user  # an admin made by hand stays one
        db.execute("UPDATE oidc_links SET admin_granted = 0, role_before_admin = NULL"
                   " WHERE id = ?", (link["id"],))
        if user["role"] != "admin":
            return user
        return self._set_role(user, link["role_before_admin"] or "member")

    def _set_role(self, user: dict[str, Any], role: str) -> dict[str, Any]:
        db = self.kernel.db
        db.update("users", user["id"], {"role": role})
        self.kernel.emit(events.UserUpdated(actor=None, user=self.kernel.users.get(user["id"]),
                                            changes={"role": [user["role"], role]}))
        return _user(db, user["id"])
