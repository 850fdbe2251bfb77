"""阿里云短信服务 ``SendSms`` (dysmsapi, API version 2017-05-25, RPC style).

Requests are signed by the POP rules, signature version 1.0 with HMAC-SHA1:

1. every parameter except ``Signature``, sorted by name;
2. names and values percent-encoded per RFC 3986 (unreserved ``A–Z a–z 0–9 - _ . ~`` kept, so a
   space is ``%20``, ``*`` is ``%2A``, ``~`` stays) and joined as ``name=value&…``;
3. ``StringToSign = "GET&%2F&" + encode(that query)``;
4. ``Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``, appended encoded.

The HTTP call is an injectable ``opener`` so that tests never reach the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rewards.core import clock

from .base import OutgoingSms, Transport, TransportError

API_VERSION = "2017-05-25"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

#: Answers that a retry cannot change: the number, the template or its parameters are refused.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
    }
)

#: ``(request, timeout) -> (HTTP status, body)``; raises ``OSError`` (``URLError``, timeouts) when
#: the gateway cannot be reached.
Opener = Callable[[urllib.request.Request, float], tuple[int, bytes]]


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of the POP rules (``quote`` already keeps ``-_.~`` and writes ``%20``, ``%2A``)."""
    return urllib.parse.quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params))


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """The base64 HMAC-SHA1 signature of ``params`` under ``secret + "&"``."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_query(params: Mapping[str, str], secret: str) -> str:
    return f"{canonical_query(params)}&Signature={percent_encode(sign(params, secret))}"


def urlopen(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """The real HTTP call. An HTTP error status still carries Aliyun's JSON answer."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (endpoint checked to be http(s))  # nosec B310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def _safe_code(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "", str(value or ""))[:60]


class AliyunTransport(Transport):
    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        templates: Mapping[str, str],
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = 10.0,
        opener: Opener | None = None,
    ) -> None:
        if not (access_key_id and access_key_secret and sign_name):
            raise ImproperlyConfigured(
                "阿里云短信通道缺少 SMS_ALIYUN_ACCESS_KEY_ID、SMS_ALIYUN_ACCESS_KEY_SECRET 或 SMS_ALIYUN_SIGN_NAME。"
            )
        if urllib.parse.urlsplit(endpoint).scheme not in ("https", "http"):
            raise ImproperlyConfigured("SMS_ALIYUN_ENDPOINT 必须是 http(s) 地址。")
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.templates = dict(templates)
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.timeout = timeout
        self.opener: Opener = opener or urlopen

    @classmethod
    def from_settings(cls, *, opener: Opener | None = None) -> AliyunTransport:
        return cls(
            access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID or "",
            access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET or "",
            sign_name=settings.SMS_ALIYUN_SIGN_NAME or "",
            templates=settings.SMS_ALIYUN_TEMPLATES,
            endpoint=settings.SMS_ALIYUN_ENDPOINT or DEFAULT_ENDPOINT,
            timeout=settings.SMS_ALIYUN_TIMEOUT,
            opener=opener,
        )

    def request_params(self, sms: OutgoingSms, *, nonce: str, timestamp: str) -> dict[str, str]:
        template_code = self.templates.get(sms.template)
        if not template_code:
            raise TransportError(f"未配置短信类型 {sms.template} 对应的阿里云模板（SMS_ALIYUN_TEMPLATES）。")
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": sms.to,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "Timestamp": timestamp,
            "Version": API_VERSION,
        }
        if sms.params:
            params["TemplateParam"] = json.dumps(sms.params, ensure_ascii=False, separators=(",", ":"))
        if sms.reference:
            params["OutId"] = sms.reference
        return params

    def build_url(self, sms: OutgoingSms, *, nonce: str | None = None, timestamp: str | None = None) -> str:
        nonce = nonce or str(uuid.uuid4())
        timestamp = timestamp or clock.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = self.request_params(sms, nonce=nonce, timestamp=timestamp)
        return f"{self.endpoint}?{signed_query(params, self.access_key_secret)}"

    def send(self, sms: OutgoingSms) -> str:
        request = urllib.request.Request(self.build_url(sms), method="GET", headers={"Accept": "application/json"})  # noqa: S310
        try:
            status, body = self.opener(request, self.timeout)
        except OSError as exc:  # URLError, timeouts, refused connections
            # Only the kind of failure: a message could quote the URL, which holds the number.
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"无法连接阿里云短信网关（{type(reason).__name__}）。") from None
        return self.read_answer(status, body)

    @staticmethod
    def read_answer(status: int, body: bytes) -> str:
        """``{"Code": "OK", "BizId": …}`` → the BizId; anything else → ``TransportError`` with the Code."""
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            answer = None
        if not isinstance(answer, dict):
            raise TransportError(f"阿里云短信网关的应答无法解析（HTTP {status}）。")
        code = _safe_code(answer.get("Code"))
        if code == "OK":
            return str(answer.get("BizId") or "")[:100]
        raise TransportError(
            f"阿里云短信网关拒绝发送：{code or '无错误码'}（HTTP {status}）。",
            code=code,
            permanent=code in PERMANENT_CODES,
        )
