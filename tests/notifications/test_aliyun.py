"""The Aliyun ``SendSms`` adapter: request signing, the request itself, and the gateway's answers.

No test reaches the network: the HTTP call is a fake opener that records the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from rewards.notifications.models import SmsStatus
from rewards.notifications.services import sms_enqueue
from rewards.notifications.transports import AliyunTransport, OutgoingSms, TransportError, aliyun
from rewards.notifications.transports.aliyun import canonical_query, percent_encode, sign, string_to_sign

from .conftest import MOBILE

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TEMPLATES = {"submitted": "SMS_200000002", "otp": "SMS_200000001"}
SIGN_NAME = "杭州市总工会"
NONCE = "3f2c7a1e-5b8d-4c0f-9e61-2a7d4b9c8e10"
TIMESTAMP = "2020-10-15T02:00:00Z"
SUBMITTED = OutgoingSms(
    to=MOBILE,
    text="【杭州市总工会】您的高技能人才奖励申请（编号2020000123）已提交，请等待审核。",
    template="submitted",
    params={"application_no": "2020000123"},
    reference="42",
)


def pop_encode(value: str) -> str:
    """The documented rule, spelt the way Aliyun's Java sample does it: form-encode, then fix up."""
    return urllib.parse.quote_plus(value, safe="", encoding="utf-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def documented_signed_url(params: dict[str, str], secret: str) -> str:
    query = "&".join(pop_encode(name) + "=" + pop_encode(params[name]) for name in sorted(params))
    to_sign = "GET" + "&" + pop_encode("/") + "&" + pop_encode(query)
    signature = base64.b64encode(hmac.new((secret + "&").encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1).digest()).decode()
    return ENDPOINT + "?" + query + "&Signature=" + pop_encode(signature)


def transport(opener=None, **overrides) -> AliyunTransport:  # type: ignore[no-untyped-def]
    options = {
        "access_key_id": "testid",
        "access_key_secret": "testsecret",
        "sign_name": SIGN_NAME,
        "templates": TEMPLATES,
        "endpoint": ENDPOINT,
        "timeout": 7.5,
        "opener": opener,
    } | overrides
    return AliyunTransport(**options)


class FakeOpener:
    """Stands in for the HTTP call; keeps the request it was given."""

    def __init__(self, status: int = 200, body: dict | bytes | None = None, raises: BaseException | None = None) -> None:
        self.status = status
        self.body = body if body is not None else {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
        self.raises = raises
        self.requests: list[tuple[urllib.request.Request, float]] = []

    def __call__(self, request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
        self.requests.append((request, timeout))
        if self.raises is not None:
            raise self.raises
        body = self.body if isinstance(self.body, bytes) else json.dumps(self.body, ensure_ascii=False).encode()
        return self.status, body


# --- signing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a b", "a%20b"),
        ("a*b", "a%2Ab"),
        ("a~b", "a~b"),
        ("a+b", "a%2Bb"),
        ("A-Z_a.z0", "A-Z_a.z0"),
        ("/", "%2F"),
        ('{"k":"v"}', "%7B%22k%22%3A%22v%22%7D"),
        ("杭州", "%E6%9D%AD%E5%B7%9E"),
    ],
)
def test_percent_encoding_follows_the_pop_rules(raw, encoded):
    assert percent_encode(raw) == encoded == pop_encode(raw)


def test_the_documented_example_of_aliyun():
    """Aliyun's SMS signing page: its example keys are AccessKeyId "testId", AccessKeySecret "testSecret"."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert canonical_query(params) == (
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
        "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
        "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z"
        "&Version=2017-05-25"
    )
    assert string_to_sign(params).startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26")
    assert "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C" in string_to_sign(params)
    signature = sign(params, "testSecret")
    assert signature == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert percent_encode(signature) == "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"
    # The secret is case-sensitive: the all-lowercase "testsecret" signs differently.
    assert sign(params, "testsecret") != signature


def test_signed_url_matches_an_independent_computation():
    expected_params = {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "OutId": "42",
        "PhoneNumbers": MOBILE,
        "RegionId": "cn-hangzhou",
        "SignName": SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": NONCE,
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_200000002",
        "TemplateParam": '{"application_no":"2020000123"}',
        "Timestamp": TIMESTAMP,
        "Version": "2017-05-25",
    }
    url = transport().build_url(SUBMITTED, nonce=NONCE, timestamp=TIMESTAMP)
    assert url == documented_signed_url(expected_params, "testsecret")
    # Read back, the query holds exactly those parameters and the signature.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, strict_parsing=True)
    assert {name: values[0] for name, values in query.items() if name != "Signature"} == expected_params


def test_special_characters_in_values_are_signed_as_documented():
    sms = OutgoingSms(to=MOBILE, text="", template="submitted", params={"reason": "材料 不全*~+/"}, reference="")
    url = transport(sign_name="杭州 总工会*").build_url(sms, nonce=NONCE, timestamp=TIMESTAMP)
    assert "SignName=%E6%9D%AD%E5%B7%9E%20%E6%80%BB%E5%B7%A5%E4%BC%9A%2A" in url
    expected = {
        "AccessKeyId": "testid",
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": MOBILE,
        "RegionId": "cn-hangzhou",
        "SignName": "杭州 总工会*",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": NONCE,
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_200000002",
        "TemplateParam": '{"reason":"材料 不全*~+/"}',
        "Timestamp": TIMESTAMP,
        "Version": "2017-05-25",
    }
    assert url == documented_signed_url(expected, "testsecret")


# --- the request and the answers ------------------------------------------------------------


def test_send_hands_a_signed_get_to_the_opener_and_returns_the_bizid():
    opener = FakeOpener()
    assert transport(opener).send(SUBMITTED) == "900619746936498440^0"
    [(request, timeout)] = opener.requests
    assert timeout == 7.5
    assert request.get_method() == "GET"
    assert request.full_url.startswith(ENDPOINT + "?AccessKeyId=testid&Action=SendSms&Format=JSON&OutId=42&PhoneNumbers=13912347919&")
    query = {name: values[0] for name, values in urllib.parse.parse_qs(urllib.parse.urlsplit(request.full_url).query).items()}
    assert query["TemplateCode"] == "SMS_200000002"
    assert json.loads(query["TemplateParam"]) == {"application_no": "2020000123"}
    assert query["Timestamp"].endswith("Z") and len(query["Timestamp"]) == 20
    signature = query.pop("Signature")
    assert signature == sign(query, "testsecret")


@pytest.mark.parametrize(
    ("status", "body", "code", "permanent"),
    [
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"非法手机号 {MOBILE}"}, "isv.MOBILE_NUMBER_ILLEGAL", True),
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}, "isv.BUSINESS_LIMIT_CONTROL", False),
        (400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}, "SignatureDoesNotMatch", False),
        (404, {"Code": "InvalidAccessKeyId.NotFound"}, "InvalidAccessKeyId.NotFound", False),
        (200, {"Message": "no code"}, "", False),
    ],
)
def test_anything_but_ok_is_a_transport_error_with_the_code(status, body, code, permanent):
    with pytest.raises(TransportError) as info:
        transport(FakeOpener(status=status, body=body)).send(SUBMITTED)
    assert info.value.code == code
    assert info.value.permanent is permanent
    assert (code or "无错误码") in info.value.message
    assert MOBILE not in info.value.message


@pytest.mark.parametrize(
    "opener",
    [
        FakeOpener(status=502, body=b"<html>Bad Gateway</html>"),
        FakeOpener(status=200, body=b'["OK"]'),
        FakeOpener(raises=urllib.error.URLError(TimeoutError("timed out"))),
        FakeOpener(raises=TimeoutError("timed out")),
        FakeOpener(raises=ConnectionRefusedError(111, f"refused for ?PhoneNumbers={MOBILE}")),
    ],
)
def test_unreadable_answers_and_network_failures_are_transport_errors(opener):
    with pytest.raises(TransportError) as info:
        transport(opener).send(SUBMITTED)
    assert not info.value.permanent
    assert MOBILE not in info.value.message
    # No chained exception (which could quote the URL and its number) shows in a traceback.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_a_template_without_an_aliyun_code_is_refused_before_any_request():
    opener = FakeOpener()
    with pytest.raises(TransportError, match="SMS_ALIYUN_TEMPLATES"):
        transport(opener, templates={"otp": "SMS_1"}).send(SUBMITTED)
    assert opener.requests == []


@pytest.mark.django_db
def test_the_aliyun_backend_end_to_end(settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "testid"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "testsecret"
    settings.SMS_ALIYUN_TEMPLATES = TEMPLATES
    opener = FakeOpener()
    monkeypatch.setattr(aliyun, "urlopen", opener)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_enqueue(phone=MOBILE, template="submitted", params={"application_no": "2020000123"}, event_key="app:1:submitted:1")
    assert message is not None
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == (SmsStatus.SENT, "900619746936498440^0")
    [(request, _)] = opener.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.full_url).query)
    assert query["PhoneNumbers"] == [MOBILE]
    assert query["OutId"] == [str(message.pk)]
    assert query["SignName"] == ["杭州市总工会"]
