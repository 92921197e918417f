"""Sign-in (token) and "who am I" endpoints."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ErrorSerializer, ValidationErrorSerializer
from staff.models import User

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
                {"code": "not_authenticated", "detail": "Authentication credentials were not provided."},
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


class MeSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "store", "region"]
        read_only_fields = fields


class MeApi(APIView):
    @extend_schema(operation_id="me_retrieve", responses={200: MeSerializer, 401: ErrorSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)
