"""The OpenAPI schema and its browsable docs, with errors in the API's JSON shape.

drf-spectacular's views render YAML (the schema) or HTML (Swagger UI, Redoc)
when they succeed, and DRF renders an error with the same renderer; under
/api/ an error is JSON, whatever the page.

Both docs pages hold under the site's strict Content-Security-Policy: their
templates (``templates/api/``) have no inline script or style. Swagger UI's
start-up script comes from the split view as a second request; Redoc starts
from ``static/js/redoc-init.js``, and styles itself with ``<style>`` elements
it creates, allowed by this response's nonce (Redoc's ``nonce`` option),
and runs its search in a worker built from a ``blob:`` URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
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


class SwaggerView(JsonErrors, SpectacularSwaggerSplitView):
    """Swagger UI; ``?script`` answers its start-up script (it holds the CSRF token)."""

    template_name = "api/swagger_ui.html"

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # The script carries the reader's CSRF token: no other site may load it.
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response


# What Redoc needs beyond the site's policy, on its page only. Its styles: the
# <style> elements it creates as it renders carry this response's nonce; the one
# its bundle adds while loading, before any option can reach it (perfect-scrollbar's
# CSS), is admitted by its hashes, empty (as inserted) and filled. A new
# drf-spectacular-sidecar with other CSS shows up as a violation in
# tests/e2e/test_csp.py; Chromium's console then prints the hash to put here.
# Its search index runs in a Web Worker built from a blob: URL.
REDOC_CSP = {
    "style-src": [
        NONCE,
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (inserted empty)
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's CSS
    ],
    "worker-src": ["blob:"],
}


@method_decorator(csp_update(REDOC_CSP), name="dispatch")
class RedocView(JsonErrors, SpectacularRedocView):
    template_name = "api/redoc.html"
