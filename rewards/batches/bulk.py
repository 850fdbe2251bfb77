"""Writing a chunk of checked batch rows in one transaction: the applications, their history,
materials, signals and SMS with a handful of statements instead of a few dozen per row.

All of a chunk is written or none of it (one transaction), so no row is ever half-written. A
conflict with a concurrent writer (the same person entered elsewhere meanwhile) raises
:class:`ChunkConflict` after the rollback; the caller then saves the chunk row by row.

The applications and their history go in with ``executemany`` (:class:`RowWriter`): each value
prepared by its model field exactly as ``bulk_create`` prepares it (the numbers encrypted, the
rule results dumped as the JSON field dumps them, dates and times adapted by the backend),
without ``bulk_create``'s bookkeeping per value, which cost more than the inserts themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.transaction import TransactionManagementError

from rewards.applications import materials
from rewards.applications.models import Application, ApplicationCounter, ApplicationEvent, Attachment
from rewards.applications.services import apply_judgement
from rewards.campaigns.models import Campaign
from rewards.core import clock
from rewards.core.fields import EncryptedTextField
from rewards.core.vocab import Channel, Status
from rewards.notifications.services import SmsRequest, sms_enqueue_many
from rewards.organisations.models import Organisation, StaffUser
from rewards.review.flags import raise_signals_for_new

#: Pages the SQLite WAL may grow to during an import before a commit copies it back into the
#: database file (SQLite's default: 1 000, about 4 MB). A chunk of applications touches
#: thousands of pages of the hash indexes: at the default every commit copies (and syncs) all
#: of them, though the next chunks touch many of the same pages again. 20 000 pages (about
#: 80 MB) copy once every few chunks, which took most of the waiting for the disk out of a
#: 100 000-row import, while another connection that commits meanwhile (and then copies what
#: the WAL holds, at SQLite's default) never finds much more than that to copy.
IMPORT_WAL_AUTOCHECKPOINT = 20_000


class ChunkConflict(Exception):
    """The chunk was rolled back because one of its people got an application meanwhile."""


_TEXT, _EACH, _AUTO, _OTHER = range(4)


class RowWriter:
    """``INSERT`` of many rows of one model with ``executemany``, the primary key left to the
    database. Each value goes through its field as ``bulk_create`` sends it
    (``field.pre_save(obj, add=True)``, then ``field.get_db_prep_save``), with three shortcuts
    that change no value:

    - a string bound for a plain text column is sent as it is (what those calls make of it);
    - a column whose value is the very object of the row before gets the prepared value of the
      row before (the chunk's time, the campaign, the union, ``None``, ``True`` …); never an
      encrypted column (each value is sealed with its own nonce) nor a JSON one;
    - an ``auto_now`` column gets one time for all the rows of the writer, as one ``UPDATE``
      would give, instead of one ``timezone.now()`` per row.
    """

    def __init__(self, model: type[models.Model]) -> None:
        ops = connection.ops
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.columns: list[tuple[str, models.Field[Any, Any], int]] = []
        for field in self.fields:
            if isinstance(field, (EncryptedTextField, models.JSONField)):
                kind = _EACH
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                kind = _AUTO
            elif isinstance(field, (models.CharField, models.TextField)):
                kind = _TEXT
            else:
                kind = _OTHER
            self.columns.append((field.attname, field, kind))
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)  # nosec B608
            ops.quote_name(model._meta.db_table),
            ", ".join(ops.quote_name(str(field.column)) for field in self.fields),
            ", ".join(["%s"] * len(self.fields)),
        )
        self.rows: list[tuple[Any, ...]] = []
        unset = object()
        self._last_in: list[Any] = [unset] * len(self.fields)
        self._last_out: list[Any] = [None] * len(self.fields)
        self._auto: dict[int, Any] = {}

    def add(self, obj: models.Model) -> None:
        row = []
        last_in, last_out = self._last_in, self._last_out
        for index, (attname, field, kind) in enumerate(self.columns):
            if kind == _AUTO:
                if index in self._auto:
                    value = self._auto[index]
                    setattr(obj, attname, value)
                else:
                    value = self._auto[index] = field.pre_save(obj, add=True)
            else:
                value = getattr(obj, attname)
                if kind == _TEXT and type(value) is str:
                    row.append(value)
                    continue
            if kind != _EACH and value is last_in[index]:
                row.append(last_out[index])
                continue
            prepared = field.get_db_prep_save(value, connection)
            if kind != _EACH:
                last_in[index], last_out[index] = value, prepared
            row.append(prepared)
        self.rows.append(tuple(row))

    def add_values(self, values: Sequence[Any]) -> None:
        """A row already prepared for the database, in the order of :attr:`fields`."""
        self.rows.append(tuple(values))

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []


class _SharedRows:
    """Rows of one model that differ only in a few columns: the others are prepared once, from
    ``template``, and each row gives the varying ones (prepared by their fields)."""

    def __init__(self, template: models.Model, varying: Sequence[str]) -> None:
        self.writer = RowWriter(type(template))
        self.varying = {name: index for index, name in enumerate(varying)}
        self.fields = self.writer.fields
        self.constants = [
            None if field.attname in self.varying else field.get_db_prep_save(field.pre_save(template, add=True), connection)
            for field in self.fields
        ]

    def add(self, *values: Any) -> None:
        row = list(self.constants)
        for position, field in enumerate(self.fields):
            index = self.varying.get(field.attname)
            if index is not None:
                row[position] = field.get_db_prep_save(values[index], connection)
        self.writer.add_values(row)

    def flush(self) -> None:
        self.writer.flush()


@contextlib.contextmanager
def import_settings() -> Iterator[None]:
    """Database settings for the length of a large import, put back afterwards (SQLite only:
    the WAL is copied back into the database every :data:`IMPORT_WAL_AUTOCHECKPOINT` pages
    instead of at nearly every commit, and once more at the end)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        (checkpoint,) = cursor.fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint = {int(IMPORT_WAL_AUTOCHECKPOINT)}")
    try:
        yield
    finally:
        # Put back even when the import failed (the connection is kept for later requests),
        # and never in place of the error that ended it.
        with contextlib.suppress(DatabaseError, TransactionManagementError), connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
            if not connection.in_atomic_block:
                # What this import left in the WAL, copied now rather than by the next writer.
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def save_many(
    *, campaign: Campaign, user: StaffUser, org: Organisation, start_status: str, items: list[tuple[Any, list[materials.CheckedFile]]]
) -> list[str | None]:
    """Saves every ``(judgement, files)`` and returns their application numbers, in order."""
    written: list[str] = []
    now, filed = clock.now(), clock.business_now()
    district = org.district_union
    fallback_union: int = district.pk if district is not None else int(org.parent_id or 0)
    try:
        with transaction.atomic():
            counter, _ = ApplicationCounter.objects.select_for_update().get_or_create(campaign=campaign)
            first = counter.last + 1
            counter.last += len(items)
            counter.save(update_fields=["last"])
            # What every application of the chunk has in common; each is a copy of it (model
            # instances made from positional values, as Django makes them from a query's rows,
            # with the same related objects cached) with its number, union and Annex 3 fields.
            template = Application(
                campaign=campaign,
                channel=Channel.BATCH,
                status=start_status,
                grassroots_union=org,
                submitting_org=org,
                submitted_at=filed,
                has_decision=start_status == Status.PENDING_DISTRICT,
            )
            attnames = [field.attname for field in Application._meta.concrete_fields]
            shared = [getattr(template, attname) for attname in attnames]
            related = template._state.fields_cache
            at_number, at_union = attnames.index("application_no"), attnames.index("union_id")
            applications = []
            rows = RowWriter(Application)
            for offset, (judgement, _) in enumerate(items):
                values = list(shared)
                values[at_number] = f"{campaign.year}{first + offset:06d}"
                # The member's union as the check read it from the member registry.
                values[at_union] = judgement.union_id or fallback_union
                # django-stubs' plugin checks the unpacked list as the first field's value.
                application = Application(*values)  # type: ignore[misc]
                application._state.fields_cache = dict(related)
                apply_judgement(application, judgement)
                rows.add(application)
                applications.append(application)
            rows.flush()
            ids = dict(
                Application.objects.filter(application_no__in=[a.application_no for a in applications]).values_list("application_no", "pk")
            )
            for application in applications:
                application.pk = ids[application.application_no]
                application._state.adding = False
                application._state.db = connection.alias
            events = _SharedRows(
                ApplicationEvent(at=now, stage="batch_entered", to_status=start_status, actor=user, organisation=user.organisation),
                varying=("application_id",),
            )
            if start_status == Status.PENDING_DISTRICT:
                # Entered by the district on the union's behalf, or saved by the clerk with the
                # 初审 done on paper: the 初审 is on record.
                reviews: _SharedRows | None = _SharedRows(
                    ApplicationEvent(
                        at=now,
                        stage="基层工会初审",
                        decision="approve",
                        opinion="同意（纸质申请表已初审）",
                        from_status=Status.PENDING_GRASSROOTS,
                        to_status=Status.PENDING_DISTRICT,
                        actor=user,
                        organisation=org,
                    ),
                    varying=("application_id",),
                )
            else:
                reviews = None
            for application in applications:
                events.add(application.pk)
                if reviews is not None:
                    reviews.add(application.pk)
            events.flush()
            if reviews is not None:
                reviews.flush()
            attachments = []
            for application, (_, files) in zip(applications, items, strict=True):
                for item in files:
                    saved = materials.save_file(materials.new_name(campaign.year), item.content)
                    written.append(saved)
                    digest = hashlib.sha256(item.content).hexdigest()  # until the background step rewrites it
                    attachments.append(materials.new_attachment(application, item, saved, now, sha256=digest))
            Attachment.objects.bulk_create(attachments, batch_size=1000)
            # Re-encoded after the commit like every other upload (SECURITY.md 13: no EXIF kept).
            materials.schedule_processing([attachment.pk for attachment in attachments])
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
