"""Unit tests of the token format (SPEC §4) and its verification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from lcore_taskflow.auth._tokens import bearer_token, issue_token, verify_token

SECRET = "current-secret-0123456789abcdef"
OLD = "previous-secret-0123456789abcdef"
USER = {"id": 7, "username": "carol", "role": "member"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def test_format_is_base64url_json_dot_hex_hmac_sha256():
    token = issue_token(USER, SECRET, ttl=3600, now=1_000_000)
    payload_b64, signature = token.rsplit(".", 1)
    payload = json.loads(base64.urlsafe_b64decode(payload_b64))
    jti = payload.pop("jti")
    assert isinstance(jti, str) and len(jti) >= 16  # a random id, so logout can revoke it
    assert payload == {"sub": 7, "username": "carol", "role": "member",
                       "iat": 1_000_000, "exp": 1_003_600, "gen": 0}
    expected = hmac.new(SECRET.encode(), payload_b64.encode(), hashlib.sha256).hexdigest()
    assert signature == expected


def test_valid_token_verifies_and_returns_the_payload():
    payload = verify_token(issue_token(USER, SECRET), SECRET)
    assert payload["sub"] == 7 and payload["username"] == "carol"
    assert payload["exp"] - payload["iat"] == 3600


def test_a_token_signed_like_the_seed_verifies():
    now = int(time.time())
    payload_b64 = _b64({"sub": 1, "username": "admin", "role": "admin",
                        "iat": now, "exp": now + 3600})
    sig = hmac.new(SECRET.encode(), payload_b64.encode(), hashlib.sha256).hexdigest()
    assert verify_token(f"{payload_b64}.{sig}", SECRET)["sub"] == 1


def test_tampered_payload_is_refused():
    token = issue_token(USER, SECRET)
    payload_b64, sig = token.rsplit(".", 1)
    forged = json.loads(base64.urlsafe_b64decode(payload_b64)) | {"role": "admin"}
    assert verify_token(f"{_b64(forged)}.{sig}", SECRET) is None


def test_tampered_signature_is_refused():
    token = issue_token(USER, SECRET)
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert verify_token(flipped, SECRET) is None


@pytest.mark.parametrize("cut", [1, 10, 64, 65])
def test_truncated_token_is_refused(cut):
    assert verify_token(issue_token(USER, SECRET)[:-cut], SECRET) is None


def test_expired_token_is_refused():
    token = issue_token(USER, SECRET, ttl=60, now=time.time() - 120)
    assert verify_token(token, SECRET) is None
    assert verify_token(token, SECRET, now=time.time() - 100) is not None


def test_wrong_secret_is_refused():
    assert verify_token(issue_token(USER, OLD), SECRET) is None


def test_rotation_previous_secret_still_verifies():
    old_token = issue_token(USER, OLD)
    assert verify_token(old_token, [SECRET, OLD])["sub"] == 7
    assert verify_token(old_token, [SECRET]) is None


def test_unsigned_claims_are_checked():
    now = int(time.time())
    for claims in ({"sub": "1", "username": "a", "role": "admin", "iat": now, "exp": now + 60},
                   {"sub": 1, "username": "a", "role": "admin", "iat": now},
                   {"sub": True, "username": "a", "role": "admin", "iat": now, "exp": now + 60},
                   [1, 2, 3]):
        payload_b64 = _b64(claims)
        sig = hmac.new(SECRET.encode(), payload_b64.encode(), hashlib.sha256).hexdigest()
        assert verify_token(f"{payload_b64}.{sig}", SECRET) is None


@pytest.mark.parametrize("garbage", [
    None, 42, b"abc.def", "", ".", "abc", "abc.", ".abc", "a.b.c", "é.é", "x" * 10_000,
    "eyJ9." + "0" * 64, "!!!." + "a" * 64, "abc." + "G" * 64, "\x00.\x00",
])
def test_garbage_never_raises(garbage):
    assert verify_token(garbage, SECRET) is None
    assert verify_token(garbage, [SECRET, OLD]) is None


@pytest.mark.parametrize("header, token", [
    ("Bearer abc.def", "abc.def"), ("bearer  abc ", "abc"), ("Bearer", None),
    ("Bearer ", None), ("Basic abc", None), ("", None), (None, None), ("abc.def", None),
])
def test_bearer_header_parsing(header, token):
    assert bearer_token(header) == token


# A verified token's claims are remembered (issue 25): the cache must never
# accept what a fresh verification would refuse.
def test_a_remembered_token_still_expires():
    now = time.time()
    token = issue_token(USER, SECRET, ttl=60, now=now)
    assert verify_token(token, SECRET, now=now)["sub"] == 7  # verified, remembered
    assert verify_token(token, SECRET, now=now + 30)["sub"] == 7
    assert verify_token(token, SECRET, now=now + 61) is None


def test_a_remembered_token_is_only_good_for_the_secrets_that_verified_it():
    token = issue_token(USER, OLD)
    assert verify_token(token, [SECRET, OLD]) is not None
    assert verify_token(token, SECRET) is None  # the rotation is over: OLD is gone
    assert verify_token(token, [OLD]) is not None


def test_a_remembered_token_does_not_vouch_for_a_tampered_one():
    token = issue_token(USER, SECRET)
    assert verify_token(token, SECRET) is not None
    payload_b64, signature = token.rsplit(".", 1)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert verify_token(f"{payload_b64}.{flipped}", SECRET) is None
    forged = _b64({**json.loads(base64.urlsafe_b64decode(payload_b64)), "role": "admin"})
    assert verify_token(f"{forged}.{signature}", SECRET) is None


def test_the_claims_handed_out_are_a_copy():
    token = issue_token(USER, SECRET)
    first = verify_token(token, SECRET)
    first["role"] = "admin"
    assert verify_token(token, SECRET)["role"] == "member"
