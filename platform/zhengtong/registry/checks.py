"""Start-up checks of what manifests say about each other (run by `manage.py check`, migrate and
runserver): a module registers before the others are ready, so references between manifests can
only be checked once every app has registered."""
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from .registry import DISTRICT_ROLES, all_modules, unit_roles


@register()
def manifest_references(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    roles = {r.key for r in (*unit_roles(), *DISTRICT_ROLES)}
    for manifest in all_modules():
        for key in manifest.borrowed_roles:
            if key not in roles:
                errors.append(Error(f"Module {manifest.key!r} borrows the role {key!r}, which no module declares.",
                                    id="registry.E001"))
        for key, path in manifest.lookups.items():
            try:
                import_string(path)
            except ImportError as exc:
                errors.append(Error(f"Lookup {key!r} of module {manifest.key!r} points at {path!r}: {exc}",
                                    id="registry.E002"))
        if manifest.demo:
            try:
                import_string(manifest.demo)
            except ImportError as exc:
                errors.append(Error(f"The demo seed of module {manifest.key!r} points at {manifest.demo!r}: {exc}",
                                    id="registry.E003"))
    return errors
