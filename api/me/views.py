"""The caller: signing in and out (token), who I am, my compensation limits, my approval PIN."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.me import serializers as io
from complaints import selectors as complaint_selectors
from core.rest.errors import ERROR_RESPONSES, ErrorSerializer, ValidationErrorSerializer
from core.rest.fields import validated
from recovery import selectors
from recovery.services import pins

TokenResponse = inline_serializer("TokenResponse", {"token": serializers.CharField()})


class TokenApi(ObtainAuthToken):
    """POST exchanges a username and password for a token; DELETE revokes the caller's token."""

    @extend_schema(
        operation_id="auth_token_create",
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: TokenResponse, 400: ValidationErrorSerializer},
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)

    @extend_schema(operation_id="auth_token_destroy", responses={204: None, 401: ErrorSerializer})
    def delete(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            return Response(
                {"code": "not_authenticated", "detail": _("Authentication credentials were not provided.")},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_permissions(self):
        return []

    def get_authenticators(self):
        # Signing in needs no credentials but the body's; revoking needs the token to revoke.
        if self.request is not None and self.request.method == "POST":
            return []
        return [cls() for cls in APIView.authentication_classes]


class MeApi(APIView):
    @extend_schema(operation_id="me_retrieve", responses={200: io.MeSerializer, 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        return Response(io.MeSerializer(request.user).data)


class MyLimitsApi(APIView):
    @extend_schema(
        operation_id="me_limits",
        summary="Your compensation limits and what is left of them today",
        parameters=[io.MyLimitsQuerySerializer],
        responses={200: io.MyLimitsSerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        user, customer = request.user, None
        query = io.MyLimitsQuerySerializer(data=request.query_params, context={"user": user})
        query.is_valid(raise_exception=True)
        if complaint_id := query.validated_data.get("complaint"):
            complaint = complaint_selectors.complaint_get(user=user, complaint_id=complaint_id, with_events=False)
            store, customer = complaint.store, complaint.customer
        else:
            store = query.validated_data.get("store") or user.store
        if store is None:
            raise ValidationError({"store": _("Say which store: your limits may differ by store.")})
        report = selectors.limits_report(user=user, store=store, customer=customer)
        return Response(io.MyLimitsSerializer(io.MyLimitsSerializer.from_report(report)).data)


class MyApprovalPinApi(APIView):
    @extend_schema(
        operation_id="me_approval_pin_set",
        summary="Set your approval PIN (supervisors and above), for approving in person",
        request=io.ApprovalPinInputSerializer,
        responses={204: None, **ERROR_RESPONSES},
    )
    def put(self, request: Request) -> Response:
        data = validated(io.ApprovalPinInputSerializer, request.data)
        pins.approval_pin_set(user=request.user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)
