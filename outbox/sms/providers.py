"""The SMS providers behind one interface: Alibaba Cloud and Tencent Cloud through their official SDKs, and the
console (``make run``'s, the default when none is configured), chosen and configured from the environment
(settings: SMS_*).

``provider.send(...)`` returns ``Sent`` or raises ``SendFailed`` with the provider's own code; codes that will not
change by trying again (a bad number, a template the provider refused, our keys) are not retried.
"""

import json
import logging
import sys
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from outbox.models import SMS_KIND_PARAMS
from outbox.sending import SendFailed, Sent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsRequest:
    phone: str  # E.164, +86…
    kind: str
    language: str
    params: dict[str, str]
    text: str  # the admin's template filled in: what the console prints, and what the provider's template says
    out_id: str  # our id for the message (its idempotency key's digest), echoed in the provider's receipts


class ConsoleProvider:
    """Prints the message (``make run``): nothing leaves the machine."""

    name = "console"

    def send(self, sms: SmsRequest) -> Sent:
        sign = f"【{settings.SMS_SIGN_NAME}】" if settings.SMS_SIGN_NAME else ""
        print(f"[SMS to {sms.phone}] {sign}{sms.text}", file=sys.stdout, flush=True)
        return Sent(provider=self.name, provider_message_id=f"console-{sms.out_id}")


def template_code(kind: str, language: str) -> str:
    """The template registered with the provider for ``kind`` in ``language`` (SMS_TEMPLATE_CODES: by kind, then
    language; one code for both languages is a plain string)."""
    codes = settings.SMS_TEMPLATE_CODES.get(kind)
    if isinstance(codes, dict):
        codes = codes.get(language) or codes.get("zh-hans") or next(iter(codes.values()), "")
    if not codes:
        raise SendFailed("no_template_code", f"SMS_TEMPLATE_CODES has no code for {kind}/{language}", retry=False)
    return codes


# Alibaba's codes that trying again will not change (https://help.aliyun.com/document_detail/101346.html).
ALIYUN_FINAL = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.DENY_IP_RANGE",
    "isv.ACCOUNT_NOT_EXISTS",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
    "isv.OUT_OF_SERVICE",
}


class AliyunProvider:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25, ``SendSms``), signed by the SDK (ACS3-HMAC-SHA256)."""

    name = "aliyun"

    def __init__(self) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        config = Config(
            access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=settings.SMS_ALIYUN_ENDPOINT,
            protocol=settings.SMS_ALIYUN_PROTOCOL,
            connect_timeout=settings.SMS_TIMEOUT_MS,
            read_timeout=settings.SMS_TIMEOUT_MS,
        )
        self.client = Client(config)

    def send(self, sms: SmsRequest) -> Sent:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=sms.phone.removeprefix("+"),
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template_code(sms.kind, sms.language),
            template_param=json.dumps(
                {name: sms.params[name] for name in SMS_KIND_PARAMS[sms.kind]}, ensure_ascii=False
            ),
            out_id=sms.out_id,
        )
        try:
            response = self.client.send_sms_with_options(request, RuntimeOptions())
        except Exception as exc:  # the SDK's errors (HTTP 4xx/5xx with a code, or no connection)
            code = getattr(exc, "code", None) or type(exc).__name__
            raise SendFailed(
                str(code), str(getattr(exc, "message", exc))[:500], provider=self.name, retry=code not in ALIYUN_FINAL
            ) from exc
        body = response.body
        if body.code != "OK":
            raise SendFailed(body.code, body.message or "", provider=self.name, retry=body.code not in ALIYUN_FINAL)
        return Sent(provider=self.name, provider_message_id=body.biz_id or "")


# Tencent's codes that trying again will not change (https://cloud.tencent.com/document/product/382/52075).
TENCENT_FINAL_PREFIXES = (
    "InvalidParameterValue.",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.MissingTemplateToModify",
    "UnauthorizedOperation.",
    "AuthFailure.",
    "UnsupportedOperation.",
)


class TencentProvider:
    """Tencent Cloud SMS (API 2021-01-11, ``SendSms``), signed by the SDK (TC3-HMAC-SHA256)."""

    name = "tencent"

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(
            endpoint=settings.SMS_TENCENT_ENDPOINT,
            protocol=settings.SMS_TENCENT_PROTOCOL,
            reqTimeout=max(1, settings.SMS_TIMEOUT_MS // 1000),
            keepAlive=True,
        )
        secret = credential.Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY)
        self.client = sms_client.SmsClient(secret, settings.SMS_TENCENT_REGION, ClientProfile(httpProfile=http))

    def send(self, sms: SmsRequest) -> Sent:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [sms.phone]
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_code(sms.kind, sms.language)
        request.TemplateParamSet = [sms.params[name] for name in SMS_KIND_PARAMS[sms.kind]]
        request.SessionContext = sms.out_id
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "TencentCloudSDKException"
            raise SendFailed(code, exc.get_message() or "", provider=self.name, retry=not _tencent_final(code)) from exc
        except Exception as exc:  # no connection, a timeout
            raise SendFailed(type(exc).__name__, str(exc)[:500], provider=self.name) from exc
        [status] = response.SendStatusSet
        if status.Code != "Ok":
            raise SendFailed(
                status.Code, status.Message or "", provider=self.name, retry=not _tencent_final(status.Code)
            )
        return Sent(provider=self.name, provider_message_id=status.SerialNo or "")


def _tencent_final(code: str) -> bool:
    return code.startswith(TENCENT_FINAL_PREFIXES)


PROVIDERS = {"console": ConsoleProvider, "aliyun": AliyunProvider, "tencent": TencentProvider}


@cache
def sms_provider():
    """The provider SMS_PROVIDER names (console when nothing is configured), made once per process."""
    return PROVIDERS[settings.SMS_PROVIDER]()
