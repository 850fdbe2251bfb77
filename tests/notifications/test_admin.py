"""The outbox in the admin: read-only, numbers masked, OTP codes hidden."""

from __future__ import annotations

import pytest

from rewards.notifications.models import SmsMessage
from rewards.notifications.services import sms_enqueue

from .conftest import MOBILE

LIST_URL = "/admin/notifications/smsmessage/"


@pytest.fixture
def outbox(db) -> list[SmsMessage]:  # type: ignore[no-untyped-def]
    messages = [
        sms_enqueue(phone=MOBILE, template="submitted", params={"application_no": "2020000123"}, event_key="app:2020000123:submitted:1"),
        sms_enqueue(phone=MOBILE, template="otp", params={"code": "482913", "minutes": 10}, event_key="otp:1"),
        sms_enqueue(
            phone="13800000000", template="submitted", params={"application_no": "2020000124"}, event_key="app:2020000124:submitted:1"
        ),
    ]
    assert all(messages)
    return messages  # type: ignore[return-value]


def test_the_list_shows_masked_numbers_only(api, administrator, outbox):
    api.force_login(administrator)
    response = api.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****7919" in page and "138****0000" in page
    assert MOBILE not in page and "13800000000" not in page


def test_the_detail_hides_the_number_and_the_otp_code(api, administrator, outbox):
    api.force_login(administrator)
    otp = outbox[1]
    response = api.get(f"{LIST_URL}{otp.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****7919" in page
    assert MOBILE not in page
    assert "482913" not in page


def test_a_full_number_is_found_through_its_blind_index(api, administrator, outbox):
    api.force_login(administrator)
    response = api.get(LIST_URL, {"q": MOBILE})
    assert response.status_code == 200
    assert sorted(message.pk for message in response.context["cl"].result_list) == sorted([outbox[0].pk, outbox[1].pk])
    assert "138****0000" not in response.content.decode()
    by_event = api.get(LIST_URL, {"q": "2020000124"})
    assert [message.pk for message in by_event.context["cl"].result_list] == [outbox[2].pk]


def test_the_outbox_cannot_be_edited_from_the_admin(api, administrator, outbox):
    api.force_login(administrator)
    message = outbox[0]
    assert api.get(f"{LIST_URL}add/").status_code == 403
    assert api.post(f"{LIST_URL}{message.pk}/change/", {"status": "sent"}).status_code == 403
    assert api.post(f"{LIST_URL}{message.pk}/delete/", {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.status == "pending"
