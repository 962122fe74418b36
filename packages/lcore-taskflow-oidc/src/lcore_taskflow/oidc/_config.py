"""``OIDCConfig``: the ``APP_OIDC_*`` keys, validated at start-up."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

MAX_TEAM_NAME = 100  # core's teams.name (TeamWrite.name)


def _secure_url(url: str) -> bool:
    """https, or http on a loopback host (a provider on the same machine, tests).

    The same rule as Authlib's discovery metadata checks
    (``authlib.common.security.is_secure_transport``); imported here, at
    validation, so that importing the package loads nothing.
    """
    from authlib.common.security import is_secure_transport

    return is_secure_transport(url)


@dataclasses.dataclass
class OIDCConfig:
    """Single sign-on through an OpenID provider.

    Leave ``oidc_issuer`` empty and the package stays installed but idle: its
    routes answer 503 saying what to set.  ``oidc_team_map`` entries are
    ``group=Team name`` (or just ``group`` for a team of the same name);
    teams not in the map are never touched.  With ``oidc_admin_groups`` set,
    membership of one of them makes a user an admin at each sign-in, and
    leaving them takes back an admin role that sign-in gave (never one an
    admin gave by hand).
    """

    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = dataclasses.field(default="", metadata={"secret": True})
    oidc_scopes: list[str] = dataclasses.field(
        default_factory=lambda: ["openid", "email", "profile"])
    oidc_redirect_url: str = ""
    oidc_provider_name: str = ""
    oidc_create_users: bool = True
    oidc_groups_claim: str = "groups"
    oidc_team_map: list[str] = dataclasses.field(default_factory=list)
    oidc_create_teams: bool = False
    oidc_admin_groups: list[str] = dataclasses.field(default_factory=list)
    oidc_timeout: float = 10.0
    oidc_login_ttl: int = 600

    def validate(self) -> list[str]:
        errors = []
        issuer = self.oidc_issuer.strip()
        if issuer:
            parts = urlsplit(issuer)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                errors.append(f"oidc_issuer: expected an https URL, got {issuer!r}")
            elif not _secure_url(issuer):
                errors.append(f"oidc_issuer: {issuer!r} must use https (plain http is "
                              "accepted only on a loopback address)")
            elif parts.query or parts.fragment:
                errors.append("oidc_issuer: an issuer URL has no query or fragment")
            if not self.oidc_client_id.strip():
                errors.append("oidc_client_id: required when oidc_issuer is set")
        if self.oidc_scopes and "openid" not in self.oidc_scopes:
            errors.append("oidc_scopes: must include 'openid' (OpenID Connect)")
        if self.oidc_redirect_url:
            parts = urlsplit(self.oidc_redirect_url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                errors.append(f"oidc_redirect_url: expected an absolute URL, "
                              f"got {self.oidc_redirect_url!r}")
            elif parts.fragment:
                errors.append("oidc_redirect_url: a redirect URL has no fragment")
        if not self.oidc_groups_claim.strip():
            errors.append("oidc_groups_claim: must not be empty")
        try:
            self.team_map()
        except ValueError as exc:
            errors.append(f"oidc_team_map: {exc}")
        if not 0 < self.oidc_timeout <= 120:
            errors.append(f"oidc_timeout: expected seconds in (0, 120], got {self.oidc_timeout}")
        if not 60 <= self.oidc_login_ttl <= 3600:
            errors.append(f"oidc_login_ttl: expected 60-3600 seconds, got {self.oidc_login_ttl}")
        return errors

    @classmethod
    def from_config(cls, config) -> OIDCConfig:
        """The validated keys of a kernel's configuration (``kernel.config``) as this class."""
        return cls(**{f.name: config[f.name] for f in dataclasses.fields(cls) if f.name in config})

    def team_map(self) -> list[tuple[str, str]]:
        """``[(group, team name)]`` from ``oidc_team_map``; ``ValueError`` naming a bad entry.

        A group may feed several teams and a team several groups.
        """
        pairs: list[tuple[str, str]] = []
        for entry in self.oidc_team_map:
            group, sep, team = entry.partition("=")
            group, team = group.strip(), (team if sep else group).strip()
            if not group or not team:
                raise ValueError(f"{entry!r}: expected 'group=Team name'")
            if len(team) > MAX_TEAM_NAME:
                raise ValueError(f"{entry!r}: a team name has at most {MAX_TEAM_NAME} characters")
            if (group, team) not in pairs:
                pairs.append((group, team))
        return pairs

def configured(config) -> bool:
    """Whether single sign-on is set up (an issuer and a client id)."""
    return bool(config.oidc_issuer.strip() and config.oidc_client_id.strip())
