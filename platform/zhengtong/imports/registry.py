"""Import and export definitions, looked up by key ("assets.asset").

A module declares its definitions in ``<module>/imports.py`` and ``<module>/exports.py``
and lists the import keys in its manifest (``imports=``). They are loaded on first use,
after every module's manifest is registered, so module apps need no extra wiring.
"""
from __future__ import annotations

import threading
from importlib import import_module

from django.apps import apps

from zhengtong.registry.registry import all_modules

from .definitions import ExportDefinition, ImportDefinition

_imports: dict[str, ImportDefinition] = {}
_exports: dict[str, ExportDefinition] = {}
_loaded = False
_lock = threading.Lock()


def register_import(definition: ImportDefinition) -> ImportDefinition:
    existing = _imports.get(definition.key)
    if existing is not None and type(existing) is not type(definition):
        raise ValueError(f"Import definition {definition.key!r} registered twice")
    _imports[definition.key] = definition
    return definition


def register_export(definition: ExportDefinition) -> ExportDefinition:
    existing = _exports.get(definition.key)
    if existing is not None and type(existing) is not type(definition):
        raise ValueError(f"Export definition {definition.key!r} registered twice")
    _exports[definition.key] = definition
    return definition


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for manifest in all_modules():
            package = apps.get_app_config(manifest.app_label).name
            for sub in ("imports", "exports"):
                try:
                    import_module(f"{package}.{sub}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{sub}":
                        raise
        for manifest in all_modules():
            for key in manifest.imports:
                if key not in _imports:
                    raise LookupError(f"Module {manifest.key!r} lists import {key!r}, which is not defined")
        _loaded = True


def get_import(key: str) -> ImportDefinition | None:
    _load()
    return _imports.get(key)


def get_export(key: str) -> ExportDefinition | None:
    _load()
    return _exports.get(key)


def all_imports() -> list[ImportDefinition]:
    _load()
    return list(_imports.values())
