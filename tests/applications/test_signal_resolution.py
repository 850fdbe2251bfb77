"""A resolved signal stays resolved while its facts stay the same, however often the signals are
worked out again and by whichever path (one application, or a batch at once): the sentences
that name the facts come out the same, in the same order."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rewards.applications.models import Application, Flag, FlagCode
from rewards.applications.services import application_submit
from rewards.core import clock
from rewards.core.models import AuditEvent
from rewards.review.flags import ensure_signals, find_signals, raise_signals_for_new, refresh_flags
from tests import factories
from tests.web._worker import jpeg
from tests.web.conftest import private_storage  # noqa: F401 - the fixture, used by pytestmark

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

CARD = "6222600260001072444"
PHONE = "13957180000"


def submit(campaign, member) -> Application:  # type: ignore[no-untyped-def]
    data = factories.annex3(member, bank_card_no=CARD, phone=PHONE)
    factories.register_certificate(member, data)
    files = {
        name: SimpleUploadedFile(f"{name}.jpg", jpeg(), content_type="image/jpeg")
        for name in ("id_card_file", "certificate_file", "bank_card_file")
    }
    application = application_submit(campaign=campaign, data=data, files=files, applicant_id_hash=member.id_hash).application
    ensure_signals(application)
    return application


@pytest.fixture
def four_sharing(campaign, business_day, xihu):  # type: ignore[no-untyped-def]
    """Four people on one bank card and one mobile number."""
    return [submit(campaign, factories.make_member(union=xihu)) for _ in range(4)]


def test_the_sentences_are_the_same_by_either_path(four_sharing):
    first = four_sharing[0]
    one_by_one = find_signals(first)
    assert set(one_by_one) == {FlagCode.CARD_SHARED, FlagCode.PHONE_SHARED}
    others = sorted(application.application_no for application in four_sharing[1:])
    assert one_by_one[FlagCode.CARD_SHARED] == f"该银行卡号也用于他人的申请（{'、'.join(others)}）。"
    assert one_by_one[FlagCode.PHONE_SHARED] == "该手机号码共用于 4 份申请。"
    Flag.objects.filter(application=first).delete()
    raise_signals_for_new([first])
    assert dict(first.flags.values_list("code", "message")) == one_by_one


def test_a_resolution_survives_the_signals_worked_out_again(four_sharing, city_reviewer):
    first = four_sharing[0]
    flag = first.flags.get(code=FlagCode.CARD_SHARED)
    Flag.objects.filter(pk=flag.pk).update(resolved_at=clock.now(), resolved_by=city_reviewer, resolution_note="四人为同一家庭，已核实")
    for application in [*four_sharing, *four_sharing]:
        refresh_flags(application)
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolution_note == "四人为同一家庭，已核实"
    assert not AuditEvent.objects.filter(action="review.flag_reraised").exists()


def test_a_new_person_on_the_card_raises_it_again(campaign, four_sharing, city_reviewer, xihu):
    first = four_sharing[0]
    flag = first.flags.get(code=FlagCode.CARD_SHARED)
    Flag.objects.filter(pk=flag.pk).update(resolved_at=clock.now(), resolved_by=city_reviewer, resolution_note="四人为同一家庭，已核实")
    fifth = submit(campaign, factories.make_member(union=xihu))  # mirrors the signal onto the four
    flag.refresh_from_db()
    assert flag.resolved_at is None and fifth.application_no in flag.message
    assert AuditEvent.objects.get(action="review.flag_reraised", object_id=str(first.pk)).detail["note"] == "四人为同一家庭，已核实"
