"""The unit's REST API, mounted at /api/ on unit hosts (namespace "api").

Each module whose manifest names ``api_urls`` gets /api/<key>/ with namespace "api:<key>":
the module gate middleware 404s it where the module is off, like the module's pages.
"""
from importlib import import_module

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from zhengtong.registry.registry import all_modules

from . import views

app_name = "api"


def module_api_urlpatterns():
    return [
        path(f"{m.key}/", include((import_module(m.api_urls).urlpatterns, m.key), namespace=m.key))
        for m in all_modules() if m.api_urls
    ]


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("docs/ui/<str:filename>", views.SwaggerUIFileView.as_view(), name="docs_file"),
    path("token/", views.TokenView.as_view(), name="token"),
    *module_api_urlpatterns(),
    # Last: every other path under /api/ is the API's JSON 404 (a path missing its final slash
    # too: a redirect would turn a client's PUT into a GET).
    re_path(r"^(?P<path>.*)$", views.not_found),
]
