"""双人分持的临时密码 (a password in two parts, each known to one administrator).

For an account under dual control (``STAFF_DUAL_CONTROL_ROLES``) no single administrator may come
to know a password that works: the administrator who sets one knows only its first part, the
administrator who confirms it receives the second part (:data:`SECOND_PART_LENGTH` characters,
drawn here), and the holder signs in with the two typed one after the other, then sets a password
of their own (:mod:`rewards.organisations.resets`).

The password field then holds the two parts' own hashes, each made by the preferred hasher
(``two_part$<first>$<second>``, each base64): the first part is never stored in clear, not even
for the moment between the two administrators. Django re-hashes the whole with the preferred
hasher at the first sign-in, as it does any password whose hasher is not the first one.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, check_password, make_password

#: The second part: 8 characters of an alphabet without look-alikes (0/o, 1/l/i): about 40 bits,
#: beside a first part that passes Django's validators, and five tries per 15 minutes (SECURITY.md 7).
SECOND_PART_LENGTH = 8
SECOND_PART_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
ALGORITHM = "two_part"


def new_second_part() -> str:
    return "".join(secrets.choice(SECOND_PART_ALPHABET) for _ in range(SECOND_PART_LENGTH))


def _pack(encoded: str) -> str:
    return base64.urlsafe_b64encode(encoded.encode()).decode()


def _unpack(packed: str) -> str:
    return base64.urlsafe_b64decode(packed.encode()).decode()


def two_part_password(*, first_hash: str, second_part: str) -> str:
    """The password field's value for ``<first part><second_part>``, from the first part's hash."""
    return f"{ALGORITHM}${_pack(first_hash)}${_pack(make_password(second_part))}"


def is_two_part(encoded: str) -> bool:
    return (encoded or "").startswith(ALGORITHM + "$")


class TwoPartPasswordHasher(BasePasswordHasher):
    """Checks a two-part password; never makes one (it is not the preferred hasher)."""

    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        raise ValueError("两段式临时密码只能由 two_part_password() 生成。")  # never the preferred hasher

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, first, second = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "first": _unpack(first), "second": _unpack(second)}

    def verify(self, password: str, encoded: str) -> bool:
        try:
            parts = self.decode(encoded)
        except (ValueError, AssertionError, binascii.Error, UnicodeDecodeError):
            return False
        head, tail = password[:-SECOND_PART_LENGTH], password[-SECOND_PART_LENGTH:].lower()
        # Both parts are checked, whichever is wrong: the answer takes as long either way.
        first_ok = check_password(head, parts["first"])
        second_ok = check_password(tail, parts["second"])
        return bool(first_ok and second_ok and len(password) > SECOND_PART_LENGTH)

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        return {"类型": "双人分持的临时密码（第一段由设定的管理员告知，第二段由确认的管理员告知）"}

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass
