"""Cross-module reads without imports.

A module that lets others read some of its data declares the selector in its manifest,
``lookups={"assets.card_by_number": "modules.assets.selectors.card_by_number"}``; another module
calls ``lookup("assets.card_by_number")`` and gets the selector, or ``None`` where the assets
module is switched off in the current unit — so the caller writes its "module is off" branch
once, and never imports ``modules.assets`` (tests/test_boundaries.py checks the import graph).

A selector offered this way keeps the usual selector contract (keyword arguments, the user whose
view it is, reads only). Writes across modules go through events instead (zhengtong.registry.handover).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from zhengtong.core.tenancy import module_enabled

from .manifest import ModuleManifest
from .registry import all_modules


def lookup_provider(key: str) -> ModuleManifest:
    """The manifest declaring lookup ``key``; LookupError when none does (a misspelt key fails loudly
    instead of reading as "module switched off")."""
    for manifest in all_modules():
        if key in manifest.lookups:
            return manifest
    raise LookupError(f"No module declares the lookup {key!r}.")


def lookup(key: str) -> Callable[..., Any] | None:
    """The selector declared as ``key``, or None where its module is switched off in the current unit."""
    provider = lookup_provider(key)
    if not module_enabled(provider.key):  # in the unit the connection is in; never in the public schema
        return None
    return import_string(provider.lookups[key])
