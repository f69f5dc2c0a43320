from django.core.checks import Error, register


@register()
def platform_is_not_a_package(app_configs, **kwargs):
    """The standard library's ``platform`` must stay importable (celery needs it)."""
    import platform

    if not hasattr(platform, "system"):
        return [Error("A package named 'platform' shadows the standard library.", id="zhengtong.E001")]
    return []
