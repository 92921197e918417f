"""The product's routes, and the ceiling's one endpoint: a DRF view that does one INSERT.

``POST /bench/insert/`` goes through everything a product endpoint does before its own work (the
middleware, DRF's request and content negotiation, token authentication and the authenticated
permission, JSON parsing and rendering) and then one ``INSERT INTO bench_baseline``, answering 201.
"""

import json

from django.db import connection
from django.urls import path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns

INSERT = "INSERT INTO bench_baseline (payload) VALUES (%s) RETURNING id"


class OneInsertApi(APIView):
    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(INSERT, [json.dumps(request.data)])
            (row_id,) = cursor.fetchone()
        return Response({"id": row_id}, status=status.HTTP_201_CREATED)


urlpatterns = [path("bench/insert/", OneInsertApi.as_view()), *product_urlpatterns]
