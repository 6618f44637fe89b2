"""The OpenAPI schema and its browsable docs, with errors in the API's JSON shape.

drf-spectacular's views render YAML (the schema) or HTML (Swagger UI, Redoc)
when they succeed, and DRF renders an error with the same renderer; under
/api/ an error is JSON, whatever the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

# A mixin for DRF views: the type checker sees the APIView it is mixed into.
if TYPE_CHECKING:
    from rest_framework.views import APIView

    _MixedIntoView = APIView
else:
    _MixedIntoView = object


class JsonErrors(_MixedIntoView):
    http_method_names: Sequence[str] = [
        "get",
        "head",
    ]  # OPTIONS too answers 405 (no metadata), as in the API

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        if isinstance(response, Response) and response.exception:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SchemaView(JsonErrors, SpectacularAPIView):
    pass


class SwaggerView(JsonErrors, SpectacularSwaggerView):
    pass


class RedocView(JsonErrors, SpectacularRedocView):
    pass
