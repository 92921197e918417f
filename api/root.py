"""The API's front door: `GET /api/v1/` names where each resource lives, so a client can start from one URL."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# What a client may start from: the name it is shown under → (URL name, what is there). The rest is
# reached from these.
API_ROOTS = {
    "auth-token": ("auth-token", "Sign in: a username and password for a token (`DELETE` signs out)."),
    "me": ("me", "Who you are: role, store, region; `me/limits/` and `me/approval-pin/` below it."),
    "complaints": ("complaint-list", "Complaints you can see; `POST` logs one."),
    "complaints-export": ("complaint-export", "The same list as a CSV file for Excel."),
    "metrics": ("metrics-recovery", "Recovery metrics (supervisors and above)."),
    "approvals": ("approval-list", "The approval queue."),
    "notifications": ("notification-list", "Your inbox."),
    "categories": ("category-list", "Complaint categories."),
    "sla-policies": ("sla-policy-list", "Due-time windows by severity and channel."),
    "schema": ("schema", "The OpenAPI schema."),
    "docs": ("docs", "Interactive docs."),
}

ApiRootSerializer = inline_serializer(
    "ApiRoot", {name: serializers.URLField(help_text=what) for name, (_, what) in API_ROOTS.items()}
)


class ApiRootApi(APIView):
    # Open to anyone: a client learns here where to sign in.
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="api_root",
        summary="Where each resource of the API lives (absolute URLs)",
        responses={200: ApiRootSerializer},
    )
    def get(self, request: Request) -> Response:
        return Response({name: reverse(url_name, request=request) for name, (url_name, _) in API_ROOTS.items()})
