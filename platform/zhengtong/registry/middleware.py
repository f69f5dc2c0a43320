"""Module gating: a module switched off for the unit does not exist there (404)."""
from django.http import Http404

from .registry import module_keys


def enabled_modules(unit) -> frozenset[str]:
    """Keys of the modules switched on for ``unit``; cached on the instance per request."""
    cached = getattr(unit, "_zt_enabled_modules", None)
    if cached is None:
        if unit is None or unit.is_district_portal:
            cached = frozenset()
        else:
            cached = frozenset(
                unit.module_switches.filter(enabled=True).values_list("module_key", flat=True)
            )
        unit._zt_enabled_modules = cached
    return cached


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
