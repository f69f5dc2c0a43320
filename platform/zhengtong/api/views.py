"""The API's own endpoints: tokens and the offline Swagger UI files."""
from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from .schema import UnitAutoSchema
from .services import api_token_issue


class TokenView(APIView):
    """Issue a bearer token for this unit from the signed-in browser session."""

    # Only a browser session may mint a token: a token renewing itself would outlive every
    # password change and the login's lockout and second factor.
    authentication_classes = [SessionAuthentication]
    schema = UnitAutoSchema()

    @extend_schema(
        request=None,
        responses={201: inline_serializer("ApiToken", {"token": serializers.CharField(),
                                                       "expires_at": serializers.DateTimeField()})},
    )
    def post(self, request):
        issued = api_token_issue(user=request.user)
        return Response({"token": issued.token, "expires_at": issued.expires_at}, status=status.HTTP_201_CREATED)


def _swagger_dist() -> Path:
    import drf_spectacular_sidecar

    return Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist"


SWAGGER_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui-standalone-preset.js": "application/javascript",
    "favicon-32x32.png": "image/png",
}


class SwaggerUIFileView(APIView):
    """Swagger UI's files, served from the installed package: units' networks are often
    offline, so the docs page must not load them from a CDN."""

    @extend_schema(exclude=True)
    def get(self, request, filename: str):
        if filename not in SWAGGER_FILES:  # a fixed list: no path ever reaches the file system
            raise Http404
        response = FileResponse((_swagger_dist() / filename).open("rb"), content_type=SWAGGER_FILES[filename])
        response["Cache-Control"] = "private, max-age=86400"
        return response


@csrf_exempt  # it changes nothing; without this a PUT to an odd path got the CSRF page (HTML 403)
def not_found(request, path=""):
    """Any other path under /api/ (an id that is no integer, a misspelt route): the API's own
    JSON 404, like DRF's, instead of the portal's HTML page, so clients read one error format."""
    from rest_framework.exceptions import NotFound

    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
