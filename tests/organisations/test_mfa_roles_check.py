"""``manage.py check`` refuses an unknown role in ``STAFF_MFA_ROLES`` (API.md: ``otp`` is required
for the roles it names): ``finance`` for ``finance_officer`` would let finance officers sign in
without their second factor, and nothing would say so."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([], []),
        (["finance_officer", "admin"], []),
        (["finance_officer", "auditor", "city_reviewer"], []),
        (["finance", "admin"], ["organisations.E005"]),
        (["Finance_Officer"], ["organisations.E005"]),
    ],
)
def test_check_refuses_a_role_it_does_not_know(settings, roles, expected):  # type: ignore[no-untyped-def]
    settings.STAFF_MFA_ROLES = roles

    found = [message for message in run_checks(tags=["security"]) if message.id == "organisations.E005"]

    assert [message.id for message in found] == expected
    if found:
        assert found[0].msg.startswith("STAFF_MFA_ROLES 中有未知的角色：" + roles[0])
