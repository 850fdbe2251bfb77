"""Migrations organisations 0002 to 0004: accounts that existed before dual control hold their
roles as confirmed (a grant waits in its own row; the accounts' rows are not touched), and their
passwords as their own (not temporary; no reset waits)."""

from __future__ import annotations

import pytest

from rewards.organisations.models import CredentialReset, RoleGrant, StaffUser
from tests.migrations import migrate, migrate_to_latest
from tests.security.staff_helpers import api_token, web_client, web_login

pytestmark = pytest.mark.usefixtures("latest_migrations_after")


@pytest.mark.django_db(transaction=True)
def test_accounts_made_before_the_migration_keep_their_roles_and_sign_in(finance_a, xihu_reviewer):  # type: ignore[no-untyped-def]
    migrate(("organisations", "0001_initial"))
    migrate(("organisations", "0002_role_grant"))
    migrate_to_latest()

    held = {user.username: (user.role, user.organisation_id, user.is_active) for user in StaffUser.objects.all()}
    assert held == {
        "finance.a": (finance_a.role, finance_a.organisation_id, True),
        "xihu.reviewer": (xihu_reviewer.role, xihu_reviewer.organisation_id, True),
    }
    assert not RoleGrant.objects.exists() and not CredentialReset.objects.exists()
    assert not StaffUser.objects.filter(temporary_password_until__isnull=False).exists()
    assert web_login(web_client(), "finance.a").status_code == 302
    assert api_token(web_client(), "xihu.reviewer").status_code == 200
