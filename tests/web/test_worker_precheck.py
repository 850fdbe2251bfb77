"""``/worker/precheck``: the typed fields of the application form checked before the photos are
sent (worker.js), with the submission's own field rules and words; it writes nothing."""

from __future__ import annotations

import re

import pytest

from rewards.applications.models import Application
from rewards.core import clock
from rewards.core.models import ThrottleEvent
from rewards.core.validators import check_bank_branch, check_bank_card
from rewards.web.worker import session as worker_session

from ._worker import form_for, sign_in, submitted_with_password

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def precheck(client, data, **extra):  # type: ignore[no-untyped-def]
    return client.post("/worker/precheck", {**data, **extra})


def test_a_well_typed_form_passes(client, today, member):
    sign_in(client, member)
    throttled = ThrottleEvent.objects.count()  # the sign-in's
    response = precheck(client, form_for(member), mode="apply")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert not Application.objects.exists() and ThrottleEvent.objects.count() == throttled  # nothing written


def test_typos_answer_with_the_submissions_own_words_for_each_field(client, today, member):
    sign_in(client, member)
    card, branch = "6222021234567890012", "西湖支行"
    response = precheck(client, form_for(member, bank_card_no=card, bank_branch=branch, occupation=""), mode="apply")
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["message"] == "填写的内容有误，请按红色提示修改。"
    assert body["fields"] == {
        "occupation": ["此项必填。"],
        "bank_card_no": [check_bank_card(card)[1]],
        "bank_branch": [check_bank_branch(branch)[1]],
    }
    # The same form submitted: the same words, next to the same fields (and the photos lost).
    page = client.post("/worker/apply", form_for(member, bank_card_no=card, bank_branch=branch, occupation=""))
    for texts in body["fields"].values():
        assert all(text in page.content.decode() for text in texts)


def test_the_phone_left_empty_is_the_one_on_file(client, today, member):
    sign_in(client, member)
    assert precheck(client, form_for(member, phone=""), mode="apply").status_code == 200


def test_a_correction_checks_only_what_was_typed(client, today, member):
    application, _ = submitted_with_password(client, member)
    only_card = {"bank_card_no": "6222021234567890012"}
    response = precheck(client, only_card, mode="edit")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["bank_card_no"]
    assert precheck(client, {"occupation": "数控车工"}, mode="edit").status_code == 200  # the rest is kept, not missing
    assert precheck(client, {"bank_branch": "杭州"}, mode="edit", bank_only="1").json()["fields"] == {
        "bank_branch": [check_bank_branch("杭州")[1]]
    }
    application.refresh_from_db()
    assert application.events.count() == 1  # nothing changed


def test_signed_out_it_answers_what_to_do_and_the_script_keeps_the_form(client, today, member):
    response = precheck(client, form_for(member), mode="apply")
    assert response.status_code == 401
    answer = response.json()
    assert answer["signed_out"] is True and answer["signin"] == "/worker/signin?next=/worker/mine"
    assert "本次没有提交" in answer["message"] and "照片仍保留在本页" in answer["message"]
    sign_in(client, member)
    assert client.get("/worker/precheck").status_code == 405


def test_a_session_idle_past_30_minutes_is_signed_out_by_the_precheck_too(client, today, member):
    sign_in(client, member)
    session = client.session
    session[worker_session.SEEN_KEY] = clock.now().timestamp() - 31 * 60
    session.save()
    assert precheck(client, form_for(member), mode="apply").status_code == 401
    assert worker_session.SESSION_KEY not in client.session


def test_alive_keeps_the_session_while_the_form_is_filled_and_says_when_it_ended(client, today, member):
    assert client.get("/worker/alive").status_code == 401
    sign_in(client, member)
    session = client.session
    session[worker_session.SEEN_KEY] = clock.now().timestamp() - 29 * 60  # a minute left
    session.save()
    response = client.get("/worker/alive")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert clock.now().timestamp() - client.session[worker_session.SEEN_KEY] < 5  # the 30 minutes start again
    assert "no-store" in response["Cache-Control"]
    assert client.post("/worker/alive").status_code == 405


def test_the_forms_ask_for_it(client, today, member):
    sign_in(client, member)
    page = client.get("/worker/apply").content.decode()
    assert 'data-precheck="/worker/precheck" data-alive="/worker/alive" data-precheck-mode="apply"' in page


def _dangling_descriptions(page: str) -> list[str]:
    """Every id an ``aria-describedby`` names that the page does not have."""
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    named = [name for value in re.findall(r'aria-describedby="([^"]*)"', page) for name in value.split()]
    return [name for name in named if name not in ids]


def test_every_field_description_a_screen_reader_is_sent_to_exists(client, today, member):
    signin = client.post("/worker/signin", {"id_number": "330106800101001", "name": member.name}).content.decode()
    # The refused field names its error (beside its help text), and the error stands under that id.
    assert re.search(r'aria-describedby="[^"]*\bid_id_number_error\b[^"]*"[^>]*id="id_id_number"', signin)
    assert 'id="id_id_number_error"' in signin and _dangling_descriptions(signin) == []
    sign_in(client, member)
    blank = client.get("/worker/apply").content.decode()
    assert re.search(r'aria-describedby="[^"]*_helptext\b', blank) and _dangling_descriptions(blank) == []
    refused = client.post("/worker/apply", {**form_for(member), "bank_card_no": "6222021234567890012"}).content.decode()
    assert re.search(r'aria-describedby="[^"]*\bid_bank_card_no_error\b[^"]*"[^>]*id="id_bank_card_no"', refused)
    assert 'id="id_bank_card_no_error"' in refused and _dangling_descriptions(refused) == []
