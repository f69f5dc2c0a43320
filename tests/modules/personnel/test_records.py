"""Staff records: ID numbers validated (GB 11643 check digit), encrypted at rest, searchable by
keyed hash and last four, masked in lists, revealed in full only to HR with an audit event;
the history timeline keeps dated entries; units never see each other's people."""
from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from modules.personnel import crypto, services
from modules.personnel.models import Person, PositionHistory
from modules.personnel.selectors import people_search, people_visible
from tests.support.factories.personnel import id_number
from tests.support.personnel import Org
from zhengtong.audit.models import AuditEvent


def test_check_digit_is_verified():
    assert crypto.id_number_validate("11010519491231002X") == "11010519491231002X"  # GB 11643 example
    assert crypto.id_number_validate(" 11010519491231002x ") == "11010519491231002X"
    with pytest.raises(ValidationError, match="校验位"):
        crypto.id_number_validate("110105194912310021")
    with pytest.raises(ValidationError, match="出生日期"):
        crypto.id_number_validate("110105194902310026"[:17] + crypto.id_number_check_digit("11010519490231002"))
    with pytest.raises(ValidationError, match="18"):
        crypto.id_number_validate("1101051949123100")


def test_id_number_is_encrypted_at_rest_and_masked_in_lists(org, client_for):
    number = id_number(date(1990, 5, 17))
    person = org.person("李四", number=number)
    with schema_context(org.unit.schema_name):
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM personnel_person WHERE id = %s", [person.pk])
            row = cur.fetchone()
            cur.execute("SELECT * FROM personnel_positionhistory WHERE person_id = %s", [person.pk])
            row += tuple(v for r in cur.fetchall() for v in r)
    flat = " ".join(str(v) for v in row)
    assert number not in flat and number[6:14] + number[14:] not in flat
    assert number[:14] not in flat  # not even the part with the date of birth
    assert person.id_number_masked == f"{number[:4]}**********{number[-4:]}"
    with schema_context(org.unit.schema_name):
        stored = Person.objects.get(pk=person.pk)
        assert crypto.id_number_decrypt(stored.id_number_encrypted) == number
        # nothing in the audit trail carries it either
        for event in AuditEvent.objects.filter(object_type="personnel.Person", object_id=str(person.pk)):
            assert number not in str(event.before) + str(event.after)
    page = client_for(org.hr).get("/m/personnel/?q=李四").content.decode()
    assert person.id_number_masked in page and number not in page


def test_only_hr_reveals_the_full_number_and_each_reveal_is_audited(org, make_user):
    number = id_number()
    person = org.person("王五", number=number, user=make_user(org.unit, []))
    with schema_context(org.unit.schema_name):
        assert services.person_reveal_id_number(actor=org.hr, person=person) == number
        assert AuditEvent.objects.filter(action="personnel.id_number_reveal", actor_id=org.hr.pk,
                                         object_id=str(person.pk), result="success").count() == 1
        with pytest.raises(PermissionDenied):
            services.person_reveal_id_number(actor=org.head, person=person)
        assert AuditEvent.objects.filter(action="personnel.id_number_reveal", actor_id=org.head.pk,
                                         result="denied").exists()


def test_one_active_record_per_id_number_and_birth_date_must_match(org):
    number = id_number(date(1988, 8, 8))
    org.person("赵六", number=number)
    with pytest.raises(ValidationError, match="已有"):
        org.person("赵六", number=number)
    with pytest.raises(ValidationError, match="出生日期"):
        org.person("钱七", number=id_number(date(1988, 8, 8)), birth_date=date(1988, 8, 9))
    with schema_context(org.unit.schema_name):
        p = Person.objects.get(name="赵六")
        assert p.birth_date == date(1988, 8, 8)  # taken from the number when not given


def test_search_by_name_initials_department_post_and_id_suffix(org, make_user):
    a = org.person("张三丰", number=id_number())
    b = org.person("李小龙", post=org.accountant)
    with schema_context(org.unit.schema_name):
        search = lambda q, **f: set(people_search(org.hr, q=q, filters=f).values_list("name", flat=True))  # noqa
        assert search("三丰") == {"张三丰"}
        assert search("zsf") == {"张三丰"}
        assert search("LXL") == {"李小龙"}
        assert search("财务") == {"李小龙"}
        assert search("文秘") == {"张三丰"}
        assert search(a.id_number_last4) >= {"张三丰"}
        assert search("", department=org.finance.pk) == {"李小龙"}
        assert search("", post=org.clerk.pk, gender="male") == {"张三丰"}
        full = crypto.id_number_decrypt(Person.objects.get(pk=b.pk).id_number_encrypted)
        assert search(full) == {"李小龙"}
        # a department head searching by full number finds nothing outside their reach
        assert set(people_search(org.head, q=full).values_list("name", flat=True)) == set()


def test_the_entry_opens_the_timeline(org):
    person = org.person("孙八", entry=date(2019, 9, 1))
    with schema_context(org.unit.schema_name):
        entries = list(PositionHistory.objects.filter(person=person).values_list(
            "kind", "start_date", "end_date", "department_name", "post_title", "status"))
    assert entries == [("entry", date(2019, 9, 1), None, "办公室", "文秘", "in_post")]


def test_beta_cannot_see_alphas_people_with_the_same_ids(org, beta, make_user, client_for):
    from tests.conftest import BETA_HOST

    person = org.person("周九")
    beta_org = Org(beta, make_user)
    with schema_context(beta.schema_name), connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('personnel_person', 'id'), %s)", [person.pk - 1]
                    ) if person.pk > 1 else None
    other = beta_org.person("吴十")
    assert other.pk == person.pk  # the same id in both units
    with schema_context(beta.schema_name):
        # Same primary keys exist in both schemas; beta's HR sees only beta's record under that id.
        assert set(people_visible(beta_org.hr).values_list("name", flat=True)) == {"吴十"}
    client = client_for(beta_org.hr, BETA_HOST)
    page = client.get(f"/m/personnel/people/{other.pk}/").content.decode()
    assert "吴十" in page and "周九" not in page
    # alpha's HR on beta's host is not a member there
    assert client_for(org.hr, BETA_HOST).get(f"/m/personnel/people/{other.pk}/").status_code in (403, 404)


def test_key_rotation_re_encrypts_and_search_keeps_working(org, monkeypatch):
    number = id_number(date(1979, 11, 30))
    person = org.person("郑一", number=number)
    with schema_context(org.unit.schema_name):
        old_token = Person.objects.get(pk=person.pk).id_number_encrypted
        monkeypatch.setenv("ZT_FIELD_KEY", "a-new-field-secret-2026")
        with pytest.raises(ValueError):  # the old key is gone: nothing decrypts
            crypto.id_number_decrypt(old_token)
        # new secret first (encrypts), the old one (here SECRET_KEY, the default) still decrypts
        monkeypatch.setenv("ZT_FIELD_KEY", f"a-new-field-secret-2026,{settings.SECRET_KEY}")
        assert services.id_numbers_rotate() >= 1
        new_token = Person.objects.get(pk=person.pk).id_number_encrypted
        assert new_token != old_token
        monkeypatch.setenv("ZT_FIELD_KEY", "a-new-field-secret-2026")  # old secret dropped
        assert crypto.id_number_decrypt(new_token) == number
        assert set(people_search(org.hr, q=number).values_list("pk", flat=True)) == {person.pk}


def test_every_change_of_a_record_is_in_the_audit_trail_without_the_encrypted_number(org):
    person = org.person("审计测试")
    with schema_context(org.unit.schema_name):
        Person.objects.filter(pk=person.pk).update(rank="二级主任科员")  # even a bulk update
        services.person_update(actor=org.hr, person=Person.objects.get(pk=person.pk), id_number=id_number())
        events = list(AuditEvent.objects.filter(action="data.update", object_id=str(person.pk),
                                                object_type__iexact="personnel.person").order_by("pk"))
    assert events, "no trigger-written events for personnel.Person"
    assert any((e.after or {}).get("rank") == "二级主任科员" for e in events)
    for e in events:
        blob = str(e.before) + str(e.after)
        assert "id_number_encrypted" not in blob and "id_number_hash" not in blob
