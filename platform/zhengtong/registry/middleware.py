"""Module gating: a module switched off for the unit does not exist there (404)."""
from django.http import Http404

from zhengtong.core.tenancy import enabled_modules

from .registry import module_keys

# ``enabled_modules`` is answered by zhengtong.core.tenancy; kept importable from here for the
# gate's callers (API permissions, files, approvals, imports, reports).
__all__ = ["ModuleGateMiddleware", "enabled_modules"]


class ModuleGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        keys = set(module_keys())
        wanted = [ns for ns in match.namespaces if ns in keys]
        if wanted:
            unit = getattr(request, "tenant", None)
            if unit is None or not set(wanted) <= enabled_modules(unit):
                raise Http404("module not enabled")
        return None
