"""The OpenAPI schema and its browsable docs, with errors in the API's JSON shape.

drf-spectacular's views render YAML (the schema) or HTML (Swagger UI, Redoc)
when they succeed, and DRF renders an error with the same renderer; under
/api/ an error is JSON, whatever the page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


class JsonErrors:
    http_method_names = ["get", "head"]  # OPTIONS too answers 405 (no metadata), as in the API

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        if isinstance(response, Response) and response.exception:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class SchemaView(JsonErrors, SpectacularAPIView):
    pass


class SwaggerView(JsonErrors, SpectacularSwaggerView):
    pass


class RedocView(JsonErrors, SpectacularRedocView):
    pass
