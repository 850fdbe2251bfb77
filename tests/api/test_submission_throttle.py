"""The submission limit (API.md: 10 per applicant per hour): which attempts count, on the API,
and that a server fault costs the worker nothing."""

from __future__ import annotations

import pytest

from rewards.applications.models import Application, Attachment

from .. import factories
from .helpers import applicant_token, bearer, materials, registered_form, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(api, business_day, member):  # type: ignore[no-untyped-def]
    return applicant_token(api, member)


def test_submission_attempts_are_counted_and_the_limit_answers_429(api, worker, member, settings):
    from rewards.core.models import ThrottleEvent

    settings.THROTTLES = {**settings.THROTTLES, "submission": "2/hour"}
    refused = submit(api, worker, factories.annex3(member, bank_card_no="6222"))  # too short: 400
    assert refused.status_code == 400, refused.content
    assert ThrottleEvent.objects.filter(scope="submission").count() == 1  # a refused attempt counts, on its own
    accepted = submit(api, worker, factories.annex3(member))
    assert accepted.status_code == 201, accepted.content
    assert ThrottleEvent.objects.filter(scope="submission").count() == 2  # counted in the submission's transaction
    blocked = submit(api, worker, factories.annex3(member))
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0
    assert ThrottleEvent.objects.filter(scope="submission").count() == 2
    assert Application.objects.filter(id_hash=Application.objects.get().id_hash).count() == 1


def test_a_malformed_body_counts_as_a_refused_attempt(api, worker, member, settings):
    from rewards.core.models import ThrottleEvent

    settings.THROTTLES = {**settings.THROTTLES, "submission": "1/hour"}
    broken = api.generic(
        "POST",
        "/api/v1/applications",
        b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\n--x--\r\n',
        content_type="multipart/form-data; boundary=",  # no boundary: the body cannot be parsed
        **bearer(worker),
    )
    assert broken.status_code == 400, broken.content
    assert broken.json()["error"]["message"] == "请求内容无法解析（应为 JSON 或表单）。"
    assert ThrottleEvent.objects.filter(scope="submission").count() == 1
    blocked = submit(api, worker, factories.annex3(member))
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "throttled"
    assert not Application.objects.exists()


def test_resubmissions_count_against_the_submission_limit(api, worker, member, settings):
    from rewards.core.models import ThrottleEvent

    number = submit(api, worker, registered_form(member)).json()["application_no"]  # 1 of 3
    settings.THROTTLES = {**settings.THROTTLES, "submission": "3/hour"}
    corrected = api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "钳工", **materials()}, **bearer(worker))
    assert corrected.status_code == 200, corrected.content  # 2 of 3: an undecided one corrected
    refused = api.post(f"/api/v1/applications/{number}/resubmit", {"bank_card_no": "6222"}, **bearer(worker))
    assert refused.status_code == 400  # 3 of 3: a refused one counts too
    assert ThrottleEvent.objects.filter(scope="submission").count() == 3
    blocked = api.post(f"/api/v1/applications/{number}/resubmit", {"occupation": "车工", **materials()}, **bearer(worker))
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0
    application = Application.objects.get(application_no=number)
    assert application.occupation == "钳工"
    assert Attachment.objects.filter(application=application).count() == 6  # nothing stored for the blocked one
    assert ThrottleEvent.objects.filter(scope="submission").count() == 3


def test_an_attempt_counted_in_a_failed_transaction_rolls_back_with_it(api, worker, member, monkeypatch):
    from rewards.applications import services
    from rewards.core.models import ThrottleEvent

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(services, "notify_new", broken)
    with pytest.raises(RuntimeError):
        submit(api, worker, factories.annex3(member))
    assert not Application.objects.exists()
    assert not ThrottleEvent.objects.filter(scope="submission").exists()  # a server fault costs the worker nothing
