"""Writing a chunk of checked batch rows in one transaction: the applications, their history,
materials, signals and SMS with a handful of statements instead of a few dozen per row.

All of a chunk is written or none of it (one transaction), so no row is ever half-written. A
conflict with a concurrent writer (the same person entered elsewhere meanwhile) raises
:class:`ChunkConflict` after the rollback; the caller then saves the chunk row by row.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from rewards.applications import materials
from rewards.applications.models import Application, ApplicationCounter, ApplicationEvent, Attachment
from rewards.applications.services import apply_judgement
from rewards.campaigns.models import Campaign
from rewards.core import clock, crypto
from rewards.core.vocab import Channel, Status
from rewards.notifications.services import SmsRequest, sms_enqueue_many
from rewards.organisations.models import Organisation
from rewards.registries.models import Member
from rewards.review.flags import raise_signals_for_new


class ChunkConflict(Exception):
    """The chunk was rolled back because one of its people got an application meanwhile."""


def save_many(
    *, campaign: Campaign, user: Any, org: Organisation, start_status: str, items: list[tuple[Any, list[materials.CheckedFile]]]
) -> list[str | None]:
    """Saves every ``(judgement, files)`` and returns their application numbers, in order."""
    written: list[str] = []
    now = clock.now()
    hashes = [crypto.blind_index("id", judgement.applicant.id_number) for judgement, _ in items]
    unions = dict(Member.objects.filter(id_hash__in=hashes).values_list("id_hash", "union_id"))
    district = org.district_union
    fallback_union: int = district.pk if district is not None else int(org.parent_id or 0)
    try:
        with transaction.atomic():
            counter, _ = ApplicationCounter.objects.select_for_update().get_or_create(campaign=campaign)
            first = counter.last + 1
            counter.last += len(items)
            counter.save(update_fields=["last"])
            applications = []
            for offset, ((judgement, _), id_hash) in enumerate(zip(items, hashes, strict=True)):
                application = Application(
                    campaign=campaign,
                    channel=Channel.BATCH,
                    status=start_status,
                    union_id=unions.get(id_hash) or fallback_union,
                    grassroots_union=org,
                    submitting_org=org,
                    submitted_at=now,
                    application_no=f"{campaign.year}{first + offset:06d}",
                    has_decision=start_status == Status.PENDING_DISTRICT,
                )
                apply_judgement(application, judgement)
                applications.append(application)
            Application.objects.bulk_create(applications, batch_size=500)
            if any(application.pk is None for application in applications):
                ids = dict(
                    Application.objects.filter(application_no__in=[a.application_no for a in applications]).values_list(
                        "application_no", "pk"
                    )
                )
                for application in applications:
                    application.pk = ids[application.application_no]
            events = []
            for application in applications:
                events.append(
                    ApplicationEvent(
                        application=application,
                        at=now,
                        stage="batch_entered",
                        to_status=start_status,
                        actor=user,
                        organisation=user.organisation,
                    )
                )
                if start_status == Status.PENDING_DISTRICT:
                    # Entered by the district on the union's behalf: the paper 初审 is on record.
                    events.append(
                        ApplicationEvent(
                            application=application,
                            at=now,
                            stage="基层工会初审",
                            decision="approve",
                            opinion="同意（纸质申请表已初审）",
                            from_status=Status.PENDING_GRASSROOTS,
                            to_status=Status.PENDING_DISTRICT,
                            actor=user,
                            organisation=org,
                        )
                    )
            ApplicationEvent.objects.bulk_create(events, batch_size=1000)
            attachments = []
            for application, (_, files) in zip(applications, items, strict=True):
                for item in files:
                    name = f"materials/{campaign.year}/{_random_name()}"
                    from django.core.files.base import ContentFile
                    from django.core.files.storage import default_storage

                    saved = default_storage.save(name, ContentFile(item.content))
                    written.append(saved)
                    attachments.append(
                        Attachment(
                            application=application,
                            kind=item.kind,
                            storage_name=saved,
                            content_type=item.content_type,
                            size=len(item.content),
                            sha256=item.sha256,
                            current=True,
                            uploaded_at=now,
                        )
                    )
            Attachment.objects.bulk_create(attachments, batch_size=1000)
            raise_signals_for_new(applications)
            overrides = campaign.sms_templates or None
            sms_enqueue_many(
                [
                    SmsRequest(
                        phone=application.phone,
                        template="batch_entered",
                        params={"application_no": application.application_no, "name": application.name, "union_name": org.name},
                        event_key=f"app:{application.application_no}:batch_entered",
                        overrides=overrides,
                    )
                    for application in applications
                ]
            )
    except IntegrityError as exc:
        materials.discard(written)
        raise ChunkConflict() from exc
    except BaseException:
        materials.discard(written)
        raise
    return [str(application.application_no) for application in applications]


def _random_name() -> str:
    import uuid

    return uuid.uuid4().hex
