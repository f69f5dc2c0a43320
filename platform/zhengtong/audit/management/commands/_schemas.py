from django.core.management.base import CommandError

from zhengtong.audit import database


def add_schema_arguments(parser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--schema", action="append", dest="schemas", metavar="SCHEMA",
                       help="A schema to work on (public, u_<slug>, …); may be repeated.")
    group.add_argument("--all", action="store_true", help="Every schema that holds an audit trail (the default).")


def chosen_schemas(options) -> list[str]:
    existing = database.trail_schemas()
    wanted = options.get("schemas") or existing
    unknown = [s for s in wanted if s not in existing]
    if unknown:
        raise CommandError(f"no audit trail in schema(s): {', '.join(unknown)}")
    return wanted
