"""The unit schema stays ready for Citus schema-based sharding (issue 12, item 6): no foreign
key into another schema, public tables referenced only from the documented reference-table
list, no new narrow sequences. The check is read from the catalog of the template (every
unit and pool schema is made from it)."""
from django.db import connection

from tenants.scale_out import scale_out_problems


def test_the_unit_template_has_nothing_citus_would_refuse(db):
    assert scale_out_problems("unit_template") == []


def test_the_check_names_what_would_break(alpha, beta):
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE u_alpha.zz_probe (id serial PRIMARY KEY, "
                    "other bigint REFERENCES u_beta.assets_asset (id), "
                    "unit bigint REFERENCES public.tenants_domain (id), "
                    "person bigint REFERENCES public.accounts_user (id))")
    problems = scale_out_problems("u_alpha")
    assert any("points into schema u_beta" in p for p in problems)
    assert any("public.tenants_domain, which is not on the reference-table list" in p for p in problems)
    assert any(p.startswith("sequence zz_probe_id_seq is integer") for p in problems)
    assert any("points at public.accounts_user: declare the field with db_constraint=False" in p for p in problems)


def _triggers_on(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass", [f"public.{table}"])
        return cur.fetchone()[0]


def test_a_new_unit_schema_adds_almost_nothing_to_the_public_tables(db):
    """A foreign key lives as triggers on the table it points at: before, every unit schema put
    ~154 triggers on public.accounts_user (77 keys), so each new unit's schema took longer to make
    than the last and every change to a person's row walked all of them. Now only the two
    third-party keys remain (tenants/scale_out.py PUBLIC_FOREIGN_KEYS_KNOWN)."""
    from tenants import pool

    before = {t: _triggers_on(t) for t in ("accounts_user", "tenants_unit")}
    pool.lock_referenced_tables()
    pool.schema_from_snapshot("zt_probe_triggers")  # rolled back with the test's transaction
    added = {t: _triggers_on(t) - n for t, n in before.items()}
    assert added == {"accounts_user": 4, "tenants_unit": 0}
