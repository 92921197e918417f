"""The SMS providers' callbacks for customers' replies (their "uplink" messages): an opt-out word withdraws
consent (``complaints.customer_messages.sms_reply_record``).

Neither provider signs these callbacks; the address configured at the provider carries a shared secret
(``SMS_INBOUND_TOKEN``, as ``?token=`` or the ``X-Sms-Callback-Token`` header), compared in constant time.
Alibaba posts a JSON list of replies (``phone_number``, ``content``); Tencent one reply (``nationcode``,
``mobile``, ``text``). Both expect their own "received" answer, or they send it again.
"""

import hmac

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.customer_messages import sms_reply_record
from core.errors import NotPermitted


class _SmsCallbackApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    provider = ""

    def check_token(self, request: Request) -> None:
        given = request.query_params.get("token") or request.headers.get("X-Sms-Callback-Token") or ""
        expected = settings.SMS_INBOUND_TOKEN
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise NotPermitted("This callback's token is wrong.")

    def record(self, replies: list[tuple[str, str]]) -> int:
        now = timezone.now()
        return sum(sms_reply_record(phone=phone, text=text, provider=self.provider, now=now) for phone, text in replies)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


class AliyunSmsReplyApi(_SmsCallbackApi):
    provider = "aliyun"

    @extend_schema(
        operation_id="sms_reply_aliyun",
        summary="Alibaba Cloud SMS replies (SmsUp callback); a shared token in the address",
        request=inline_serializer(
            "AliyunSmsReply",
            {"phone_number": serializers.CharField(), "content": serializers.CharField()},
            many=True,
        ),
        responses={
            200: inline_serializer(
                "AliyunSmsReplyAnswer", {"code": serializers.IntegerField(), "msg": serializers.CharField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        self.check_token(request)
        items = request.data if isinstance(request.data, list) else []
        replies = [
            (_text(item.get("phone_number")), _text(item.get("content"))) for item in items if isinstance(item, dict)
        ]
        self.record(replies)
        return Response({"code": 0, "msg": "接收成功"})


class TencentSmsReplyApi(_SmsCallbackApi):
    provider = "tencent"

    @extend_schema(
        operation_id="sms_reply_tencent",
        summary="Tencent Cloud SMS replies (reply callback); a shared token in the address",
        request=inline_serializer(
            "TencentSmsReply",
            {"nationcode": serializers.CharField(), "mobile": serializers.CharField(), "text": serializers.CharField()},
        ),
        responses={
            200: inline_serializer(
                "TencentSmsReplyAnswer", {"result": serializers.IntegerField(), "errmsg": serializers.CharField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        self.check_token(request)
        item = request.data if isinstance(request.data, dict) else {}
        code, mobile = _text(item.get("nationcode")) or "86", _text(item.get("mobile"))
        if mobile:
            self.record([(f"+{code}{mobile}", _text(item.get("text")))])
        return Response({"result": 0, "errmsg": "OK"})
