"""Field encryption with key ids and rotation, and the blind index (SECURITY.md 14)."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from rewards.core import crypto
from rewards.registries.models import Member
from tests import factories

ID_NUMBER = "330106199001011237"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys(settings):  # type: ignore[no-untyped-def]
    """Changes the key settings for one test; the keyring cache never outlives them."""
    crypto._keyring.cache_clear()
    yield settings
    crypto._keyring.cache_clear()
    crypto._index_key.cache_clear()


def current_key_id() -> str:
    return crypto.keyring()[0]


def test_round_trip():
    for value in (ID_NUMBER, "13912347919", "6222021234567890016", "欧阳娜娜·测试", "x"):
        assert crypto.decrypt(crypto.encrypt(value)) == value


def test_two_encryptions_of_one_value_differ():
    first, second = crypto.encrypt(ID_NUMBER), crypto.encrypt(ID_NUMBER)

    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == ID_NUMBER


def test_the_stored_text_starts_with_the_key_id_and_hides_the_value(keys):
    token = crypto.encrypt(ID_NUMBER)
    kid, dollar, body = token.partition("$")

    assert dollar == "$"
    raw_key = base64.urlsafe_b64decode(keys.FIELD_ENCRYPTION_KEY)
    assert kid == crypto.key_id(raw_key) == current_key_id()
    assert len(kid) == 8
    assert ID_NUMBER not in token
    assert ID_NUMBER.encode() not in base64.b64decode(body)
    assert not crypto.needs_rotation(token)


def test_rotation_keeps_old_values_readable_and_writes_with_the_new_key(keys):
    old_key = keys.FIELD_ENCRYPTION_KEY
    old_token = crypto.encrypt(ID_NUMBER)
    old_kid = old_token.partition("$")[0]

    keys.FIELD_ENCRYPTION_KEY = new_key()
    keys.FIELD_ENCRYPTION_OLD_KEYS = [old_key]
    crypto._keyring.cache_clear()

    new_token = crypto.encrypt(ID_NUMBER)
    new_kid = new_token.partition("$")[0]
    assert new_kid != old_kid
    assert new_kid == crypto.key_id(base64.urlsafe_b64decode(keys.FIELD_ENCRYPTION_KEY))
    assert crypto.decrypt(old_token) == ID_NUMBER
    assert crypto.decrypt(new_token) == ID_NUMBER
    assert crypto.needs_rotation(old_token)
    assert not crypto.needs_rotation(new_token)


def test_rotation_keeps_stored_rows_readable(keys, xihu):
    member = factories.make_member(union=xihu)
    id_number, phone = member.id_number, member.phone
    old_key = keys.FIELD_ENCRYPTION_KEY

    keys.FIELD_ENCRYPTION_KEY = new_key()
    keys.FIELD_ENCRYPTION_OLD_KEYS = [old_key]
    crypto._keyring.cache_clear()

    reread = Member.objects.get(pk=member.pk)
    assert (reread.id_number, reread.phone) == (id_number, phone)
    reread.save()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Member._meta.db_table} WHERE id = %s", [member.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(current_key_id() + "$")
    assert Member.objects.get(pk=member.pk).id_number == id_number


def test_a_value_under_a_key_no_longer_configured_raises_decryption_error(keys):
    token = crypto.encrypt(ID_NUMBER)

    keys.FIELD_ENCRYPTION_KEY = new_key()
    keys.FIELD_ENCRYPTION_OLD_KEYS = []
    crypto._keyring.cache_clear()

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_a_wrong_key_under_the_same_key_id_raises_decryption_error(monkeypatch):
    token = crypto.encrypt(ID_NUMBER)
    kid = token.partition("$")[0]
    monkeypatch.setattr(crypto, "keyring", lambda: (kid, {kid: crypto.AESGCM(os.urandom(32))}))

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # ciphertext altered
        lambda token: token.partition("$")[0] + "$",  # body missing
        lambda token: token.partition("$")[0] + "$AAAA",  # shorter than a nonce
        lambda token: token.partition("$")[0] + "$not*base64!",  # not base64 at all
        lambda token: token[:-1],  # cut short: padding broken
        lambda token: "deadbeef" + token[8:],  # unknown key id
    ],
)
def test_a_damaged_value_raises_decryption_error(damage):
    token = crypto.encrypt(ID_NUMBER)

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(damage(token))


def test_blind_index_is_deterministic_and_keyed_per_kind(keys):
    first = crypto.blind_index("id", ID_NUMBER)

    assert crypto.blind_index("id", ID_NUMBER) == first
    assert len(first) == 64 and ID_NUMBER not in first
    assert crypto.blind_index("phone", ID_NUMBER) != first
    assert crypto.blind_index("card", ID_NUMBER) != first
    assert crypto.blind_index("id", "330106199001011245") != first

    keys.BLIND_INDEX_KEY = new_key()
    assert crypto.blind_index("id", ID_NUMBER) != first


def test_blind_index_ignores_the_encryption_key(keys):
    first = crypto.blind_index("id", ID_NUMBER)

    keys.FIELD_ENCRYPTION_KEY = new_key()
    crypto._keyring.cache_clear()

    assert crypto.blind_index("id", ID_NUMBER) == first


@pytest.mark.parametrize("length", [16, 31, 33, 64])
def test_an_encryption_key_of_the_wrong_length_is_refused(keys, length):
    keys.FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(os.urandom(length)).decode()
    crypto._keyring.cache_clear()

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        crypto.encrypt(ID_NUMBER)


def test_an_old_key_of_the_wrong_length_is_refused(keys):
    keys.FIELD_ENCRYPTION_OLD_KEYS = [base64.urlsafe_b64encode(b"short").decode()]
    crypto._keyring.cache_clear()

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_OLD_KEYS"):
        crypto.encrypt(ID_NUMBER)


def test_a_blind_index_key_of_the_wrong_length_is_refused(keys):
    keys.BLIND_INDEX_KEY = base64.urlsafe_b64encode(os.urandom(16)).decode()

    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"):
        crypto.blind_index("id", ID_NUMBER)


def test_missing_keys_are_refused(keys):
    keys.FIELD_ENCRYPTION_KEY = None
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        crypto.encrypt(ID_NUMBER)

    keys.BLIND_INDEX_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY"):
        crypto.blind_index("id", ID_NUMBER)


def test_the_audit_chain_hash_is_an_hmac_under_its_own_key(keys):
    import hashlib
    import hmac

    key = base64.urlsafe_b64decode(keys.AUDIT_CHAIN_KEY)
    assert crypto.audit_chain_hash("entry") == hmac.new(key, b"entry", hashlib.sha256).hexdigest()
    assert crypto.audit_chain_hash("entry") == crypto.audit_chain_hash("entry")  # the keyed template is copied, never used up
    assert crypto.audit_chain_hash("entry") != hashlib.sha256(b"entry").hexdigest()

    keys.AUDIT_CHAIN_KEY = new_key()
    assert crypto.audit_chain_hash("entry") != hmac.new(key, b"entry", hashlib.sha256).hexdigest()


def test_an_audit_chain_key_missing_or_of_the_wrong_length_is_refused(keys):
    keys.AUDIT_CHAIN_KEY = base64.urlsafe_b64encode(os.urandom(16)).decode()
    with pytest.raises(ImproperlyConfigured, match="AUDIT_CHAIN_KEY 必须是 32 个随机字节"):
        crypto.audit_chain_hash("entry")

    keys.AUDIT_CHAIN_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="未配置 AUDIT_CHAIN_KEY"):
        crypto.audit_chain_hash("entry")
