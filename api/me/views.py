"""The caller: signing in and out (token), who I am, my compensation limits, my approval PIN."""

from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
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
from core.signin import signin_locked
from recovery.approvals import pins
from recovery.compensation import selectors as compensation_selectors
from staff import services as staff_services
from staff.permissions import IsSupervisorOrAbove

TokenResponse = inline_serializer("TokenResponse", {"token": serializers.CharField()})
SIGNIN_LOCKED_RESPONSE = OpenApiResponse(
    inline_serializer(
        "SigninLockedError",
        {
            "code": serializers.CharField(help_text="`signin_locked`."),
            "detail": serializers.CharField(help_text="Human-readable message: how many minutes to wait."),
            "retry_after": serializers.IntegerField(help_text="Seconds until this username may try again."),
        },
    ),
    description=(
        "Locked out: 5 failed sign-ins for this username from this address (or too many from this address, "
        "whatever the usernames) make it wait 15 minutes after the last; a try meanwhile is refused, even with "
        "the right password, and does not extend the wait. A success before the lockout forgets the failures."
    ),
)


class TokenApi(ObtainAuthToken):
    """POST exchanges a username and password for a token; DELETE revokes the caller's token."""

    # The project's parsers, not the stock ones ObtainAuthToken names: a body nested too deep is a 400.
    parser_classes = APIView.parser_classes

    @extend_schema(
        operation_id="auth_token_create",
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={200: TokenResponse, 400: ValidationErrorSerializer, 429: SIGNIN_LOCKED_RESPONSE},
        parameters=[
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                description="Seconds until this username may try again.",
                response=[429],
            )
        ],
        auth=[],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        # The serializer signs in with authenticate(request=request, ...), so django-axes counts a failure, refuses
        # a locked-out username before its password is checked, and flags the request when it is locked out.
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                locked = signin_locked(request, request.axes_credentials)
                return Response(locked.as_dict(), status=locked.status_code, headers=locked.headers)
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # A token is a sign-in; say so as django.contrib.auth.login() would: axes forgets this username's failures
        # from this address, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

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

    @extend_schema(
        operation_id="me_update",
        summary="Choose the language you are answered in",
        request=io.MeUpdateSerializer,
        responses={200: io.MeSerializer, 400: ValidationErrorSerializer, 401: ErrorSerializer},
    )
    def patch(self, request: Request) -> Response:
        data = validated(io.MeUpdateSerializer, request.data)
        user = staff_services.user_language_set(user=request.user, language=data["language"])
        return Response(io.MeSerializer(user).data)


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
        report = compensation_selectors.limits_report(user=user, store=store, customer=customer)
        return Response(io.MyLimitsSerializer(io.MyLimitsSerializer.from_report(report)).data)


class MyApprovalPinApi(APIView):
    permission_classes = [IsSupervisorOrAbove]  # refused before the body is read

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
