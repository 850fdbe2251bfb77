"""Data the operations tests share: applications with their materials, history, payments, SMS
and sign-ins, written directly with chosen times so that the retention dates are known."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rewards.applications.models import Application, ApplicationEvent, Attachment, Flag
from rewards.core import clock, crypto
from rewards.identity.models import ApplicantToken, OtpChallenge
from rewards.notifications.models import SmsMessage
from rewards.payments.models import PaymentBatch, PaymentLine
from rewards.registries.models import Member
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(day: str, hour: int = 12) -> dt.datetime:
    """Noon (by default) of ``day`` in Asia/Shanghai."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=clock.SHANGHAI)


@dataclass
class Person:
    name: str
    id_number: str
    phone: str
    card: str
    application: Application
    files: list[str] = field(default_factory=list)

    @property
    def numbers(self) -> list[str]:
        return [self.id_number, self.phone, self.card]

    @property
    def blind_indexes(self) -> list[str]:
        return [crypto.blind_index("id", self.id_number), crypto.blind_index("phone", self.phone), crypto.blind_index("card", self.card)]


def person(
    campaign: Any, union: Any, name: str, *, status: str = "approved", keep_member: bool = False, submitted: str = "2020-10-10"
) -> Person:
    """An application of a new person with three materials on disk and its submission SMS.

    The member registry row is removed unless ``keep_member``: the registry is the union's
    current membership, not data of the campaign, so it would keep the person's blind index.
    """
    member = factories.make_member(union=union, name=name)
    card = factories.new_card()
    application = factories.make_application(campaign=campaign, member=member, status=status, bank_card_no=card, submitted_at=at(submitted))
    found = Person(name=name, id_number=member.id_number, phone=member.phone, card=card, application=application)
    for kind in ("id_card", "certificate", "bank_card"):
        content = PNG + uuid.uuid4().bytes
        name_on_disk = default_storage.save(f"materials/{campaign.year}/{uuid.uuid4().hex}", ContentFile(content))
        Attachment.objects.create(
            application=application,
            kind=kind,
            storage_name=name_on_disk,
            content_type="image/png",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_at=at(submitted),
        )
        found.files.append(name_on_disk)
    ApplicationEvent.objects.create(application=application, at=at(submitted), stage="submission", to_status="pending_district")
    SmsMessage.objects.create(
        phone=member.phone,
        phone_hash=member.phone_hash,
        template="submitted",
        text=f"{name}您好，您的申请（编号{application.application_no}）已提交。",
        event_key=f"app:{application.application_no}:submitted",
        status="sent",
        created_at=at(submitted),
    )
    if not keep_member:
        Member.objects.filter(pk=member.pk).delete()
    return found


def sign_in(found: Person, day: str) -> OtpChallenge:
    """An SMS sign-in of the person on ``day``: the code, its SMS and the token it gave."""
    id_hash = crypto.blind_index("id", found.id_number)
    challenge = OtpChallenge.objects.create(
        id_hash=id_hash, code_hash="x" * 64, created_at=at(day), expires_at=at(day) + dt.timedelta(minutes=10)
    )
    SmsMessage.objects.create(
        phone=found.phone,
        phone_hash=crypto.blind_index("phone", found.phone),
        template="otp",
        text="验证码 123456",
        event_key=f"otp:{challenge.pk}",
        status="sent",
        created_at=at(day),
    )
    ApplicantToken.objects.create(
        key_hash=uuid.uuid4().hex, id_hash=id_hash, created_at=at(day), expires_at=at(day) + dt.timedelta(minutes=30)
    )
    return challenge


def paid(found: Person, builder: Any, approver: Any, *, day: str, status: str = "paid") -> PaymentLine:
    """A batch with one line for the person, answered by the bank on ``day``."""
    application = found.application
    batch = PaymentBatch.objects.create(
        batch_no=f"P{application.campaign.year}{uuid.uuid4().hex[:6]}",
        campaign=application.campaign,
        status="sent",
        count=1,
        total_amount=application.amount,
        content_digest="d" * 64,
        built_by=builder,
        built_at=at(day) - dt.timedelta(days=10),
        approved_by=approver,
        approved_at=at(day) - dt.timedelta(days=9),
        sent_at=at(day) - dt.timedelta(days=8),
        sent_by=builder,
    )
    line = PaymentLine.objects.create(
        batch=batch,
        application=application,
        reference=f"{batch.batch_no}-000001",
        name=found.name,
        bank_card_no=found.card,
        bank_card_hash=crypto.blind_index("card", found.card),
        bank_branch="中国工商银行杭州西湖支行",
        amount=application.amount or Decimal("500.00"),
        status=status,
        live=status in ("built", "approved", "sent", "paid"),
        result_at=at(day) if status in ("paid", "failed") else None,
    )
    if status == "paid":
        Application.objects.filter(pk=application.pk).update(status="paid")
    return line


def reviewed(found: Person, reviewer: Any, *, day: str, opinion: str, quote_phone: bool = True) -> None:
    """A decision with an opinion, and a resolved signal whose note quotes the person's mobile
    (``quote_phone``): free text typed by a reviewer may hold a number."""
    ApplicationEvent.objects.create(
        application=found.application,
        at=at(day),
        stage="district",
        decision="reject",
        opinion=opinion,
        to_status="rejected",
        actor=reviewer,
    )
    Flag.objects.create(
        application=found.application,
        code="phone_shared",
        message="手机号码用于多份申请",
        raised_at=at(day),
        resolved_at=at(day),
        resolved_by=reviewer,
        resolution_note=f"已电话核实 {found.phone}" if quote_phone else "已电话核实",
    )
