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
                    "unit bigint REFERENCES public.tenants_domain (id))")
    problems = scale_out_problems("u_alpha")
    assert any("points into schema u_beta" in p for p in problems)
    assert any("public.tenants_domain, which is not on the reference-table list" in p for p in problems)
    assert any(p.startswith("sequence zz_probe_id_seq is integer") for p in problems)
