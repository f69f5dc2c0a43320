"""Staff records and earlier careers from a spreadsheet (人员档案、履历批量导入), through the
platform's import service (template, row-by-row checks with a report, all or nothing, audit).

* ``personnel.person`` — one row per person: name, gender, ID number (checked with its GB
  11643 check digit, stored encrypted by the personnel services), entry date, department,
  post, rank, employment type, education, political status. Each row becomes a record
  through ``services.person_create`` (first timeline entry, establishment check, audit).
  A row whose ID number is already active in the unit with the same name is "unchanged"
  (re-importing a file is harmless); with another name it is refused.
* ``personnel.history`` — earlier career (履历) of people already on file, one row per
  period: ID number, from, to, unit, department, post, rank. The periods are carried-over
  timeline entries and must end before the person entered this unit: the unit's own
  timeline is written by its moves, never by a spreadsheet.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_noop

from zhengtong.audit.services import audit_record
from zhengtong.imports.definitions import Column, CommitResult, ImportDefinition, model_column
from zhengtong.imports.registry import register_import

from . import crypto
from .models import Department, Person, PositionHistory, Post

MSG_ID_NUMBER = gettext_noop("Not a valid ID number: %(reason)s (身份证号码无效).")
MSG_POST_ELSEWHERE = gettext_noop("The post %(post)s is not in department %(dept)s (该岗位不属于所填部门).")
MSG_POST_FULL = gettext_noop("The post %(post)s has no vacancy (该岗位已满编).")
MSG_NOT_ON_FILE = gettext_noop("Nobody with this ID number is on file in this unit (本单位无此身份证号码的人员).")
MSG_ENDS_BEFORE = gettext_noop("The period ends before it starts (结束日期早于开始日期).")
MSG_AFTER_ENTRY = gettext_noop("An earlier period must end before the person entered this unit on %(d)s "
                               "(履历须在进入本单位之日%(d)s之前结束).")


# Values with the words people write in the spreadsheet (the stored value, Chinese, English).
GENDER = (("male", "男", "Male"), ("female", "女", "Female"))
EMPLOYMENT = (("civil_servant", "公务员", "Civil servant"),
              ("institution", "事业单位工作人员", "Public-institution staff"),
              ("contract", "合同制人员", "Contract staff"))
EDUCATION = (("doctorate", "博士研究生", "Doctorate"), ("master", "硕士研究生", "Master's degree"),
             ("bachelor", "大学本科", "Bachelor's degree"), ("junior_college", "大学专科", "Junior college"),
             ("secondary", "中专及以下", "Secondary school or below"))
POLITICAL = (("cpc_member", "中共党员", "CPC member"), ("cpc_probationary", "中共预备党员", "CPC probationary member"),
             ("cyl_member", "共青团员", "Communist Youth League member"),
             ("democratic_party", "民主党派成员", "Member of a democratic party"),
             ("non_partisan", "无党派人士", "Non-partisan"), ("masses", "群众", "Ordinary citizen"))


def _id_number(record: dict[str, Any]) -> tuple[str | None, str]:
    try:
        return crypto.id_number_validate(record.get("id_number") or ""), ""
    except Exception as exc:  # ValidationError: its message says what is wrong
        return None, "; ".join(getattr(exc, "messages", [str(exc)]))


def _by_hash(numbers: Iterable[str], *, active_only: bool) -> dict[str, Person]:
    """{number as written: person} — found by the keyed hash, never by decrypting; "…x" and
    "…X" written in two rows are the same number."""
    valid: dict[str, list[str]] = {}
    for n in numbers:
        try:
            valid.setdefault(crypto.id_number_hash(crypto.id_number_validate(n)), []).append(n)
        except Exception:
            continue
    qs = Person.objects.filter(id_number_hash__in=valid.keys(), external=False)
    if active_only:
        qs = qs.filter(status__in=Person.ACTIVE)
    else:  # a person who left and came back: the current record
        qs = qs.order_by("id_number_hash", "-pk").distinct("id_number_hash")
    return {written: p for p in qs for written in valid[p.id_number_hash]}


class PersonImport(ImportDefinition):
    key = "personnel.person"
    module_key = "personnel"
    name_zh = "人员档案"
    name_en = "Staff records"
    permissions = ("personnel.add_person",)
    model = Person  # its validation runs on every row before anything is written
    natural_key = ("id_number",)
    batch_size = 500
    columns = (
        model_column(Person, "name", header_zh="姓名", example="张三"),
        Column("gender", "性别", "Gender", type="choice", required=True, choices=GENDER, example="男"),
        Column("id_number", "身份证号码", "ID number", required=True, max_length=18, unique=True,
               example="11010519491231002X", help_zh="18位，末位可为X", help_en="18 characters; the last may be X"),
        model_column(Person, "entry_date", header_zh="入职日期", example="2020-03-01"),
        Column("department", "部门", "Department", required=True, reference="departments", example="办公室"),
        Column("post", "岗位", "Post", reference="posts", example="文秘"),
        model_column(Person, "rank", header_zh="职级", example="一级科员"),
        Column("employment_type", "人员类别", "Employment type", type="choice", required=True, choices=EMPLOYMENT,
               example="公务员"),
        Column("education", "学历", "Education", type="choice", choices=EDUCATION, example="大学本科"),
        Column("political_status", "政治面貌", "Political status", type="choice", choices=POLITICAL,
               example="中共党员"),
    )

    def departments(self, values: set[str]) -> dict[str, Department]:
        found: dict[str, Department] = {}
        for d in Department.objects.filter(name__in=values).order_by("pk"):
            found.setdefault(d.name, d)
        return found

    def posts(self, values: set[str]) -> dict[str, list[Post]]:
        found: dict[str, list[Post]] = {}
        for p in Post.objects.filter(title__in=values).select_related("department"):
            found.setdefault(p.title, []).append(p)
        return found

    def clean_record(self, record: dict[str, Any]):
        number, reason = _id_number(record)
        if number is None:
            yield "id_number", MSG_ID_NUMBER, {"reason": reason}
        else:
            record["id_number"] = number
        posts, department = record.get("post"), record.get("department")
        if posts is not None and department is not None:
            post = next((p for p in posts if p.department_id == department.pk), None)
            if post is None:
                yield "post", MSG_POST_ELSEWHERE, {"post": posts[0].title, "dept": department.name}
            else:
                record["post"] = post
                from .selectors import post_vacancy

                # A row of someone already holding this post (a re-imported file) takes no new place.
                holds_it = number is not None and Person.objects.filter(
                    id_number_hash=crypto.id_number_hash(number), status__in=Person.OCCUPYING, post=post).exists()
                if not holds_it and post_vacancy(post) <= 0:
                    yield "post", MSG_POST_FULL, {"post": str(post)}

    def existing(self, keys: list[tuple]) -> dict[tuple, dict[str, Any]]:
        people = _by_hash([k[0] for k in keys], active_only=True)
        return {(n,): {"name": p.name} for n, p in people.items()}

    def writer(self, *, actor):
        return _PersonWriter(actor)


class _PersonWriter:
    def __init__(self, actor):
        self.actor, self.created = actor, 0

    def add(self, records: list[dict[str, Any]]) -> None:
        from .services import person_create

        for r in records:
            person_create(actor=self.actor, name=r["name"], gender=r["gender"], id_number=r["id_number"],
                          entry_date=r["entry_date"], employment_type=r["employment_type"],
                          department=r["department"], post=r.get("post") if isinstance(r.get("post"), Post) else None,
                          rank=r.get("rank") or "", education=r.get("education") or "",
                          political_status=r.get("political_status") or "")
            self.created += 1

    def finish(self) -> CommitResult:
        return CommitResult(created=self.created, detail={"people": self.created})


class HistoryImport(ImportDefinition):
    key = "personnel.history"
    module_key = "personnel"
    name_zh = "人员履历"
    name_en = "Earlier careers"
    permissions = ("personnel.change_person",)
    model = PositionHistory  # its validation runs on every row before anything is written
    natural_key = ("id_number", "start_date")
    batch_size = 1000
    columns = (
        Column("id_number", "身份证号码", "ID number", required=True, max_length=18, reference="people",
               example="11010519491231002X"),
        Column("start_date", "开始日期", "From", type="date", required=True, example="2010-07-01"),
        Column("end_date", "结束日期", "To", type="date", required=True, example="2015-02-28"),
        Column("unit_name", "单位", "Unit", required=True, max_length=200, example="某某街道办事处"),
        Column("department_name", "部门", "Department", max_length=100, example="综合科"),
        Column("post_title", "岗位", "Post", max_length=100, example="科员"),
        Column("rank", "职级", "Rank / grade", max_length=50, example="科员"),
    )

    def people(self, values: set[str]) -> dict[str, Person]:
        return _by_hash(values, active_only=False)

    def reference_message(self, column: Column) -> str:
        return MSG_NOT_ON_FILE

    def clean_record(self, record: dict[str, Any]):
        start, end, person = record.get("start_date"), record.get("end_date"), record.get("id_number")
        if start and end and end < start:
            yield "end_date", MSG_ENDS_BEFORE, {}
        if isinstance(person, Person) and end and end >= person.entry_date:
            yield "end_date", MSG_AFTER_ENTRY, {"d": person.entry_date.isoformat()}

    def existing(self, keys: list[tuple]) -> dict[tuple, dict[str, Any]]:
        people = [k[0] for k in keys if isinstance(k[0], Person)]
        out = {}
        for h in PositionHistory.objects.filter(person__in=people, kind=PositionHistory.Kind.CARRIED).select_related(
                "person"):
            out[(h.person, h.start_date)] = {"end_date": h.end_date, "unit_name": h.unit_name,
                                             "department_name": h.department_name, "post_title": h.post_title,
                                             "rank": h.rank}
        return out

    def differences(self, record: dict[str, Any], stored: dict[str, Any]) -> list[str]:
        return [k for k, v in stored.items() if (record.get(k) or "") != (v or "")]

    def writer(self, *, actor):
        return _HistoryWriter(actor)


class _HistoryWriter:
    def __init__(self, actor):
        self.actor, self.created, self.people = actor, 0, set()

    def add(self, records: list[dict[str, Any]]) -> None:
        PositionHistory.objects.bulk_create([
            PositionHistory(person=r["id_number"], kind=PositionHistory.Kind.CARRIED, start_date=r["start_date"],
                            end_date=r["end_date"], unit_name=r["unit_name"],
                            department_name=r.get("department_name") or "",
                            post_title=r.get("post_title") or "", rank=r.get("rank") or "",
                            status=Person.Status.IN_POST, note="导入履历")
            for r in records])
        self.created += len(records)
        self.people.update(r["id_number"].pk for r in records)

    def finish(self) -> CommitResult:
        audit_record(action="personnel.history.import", actor=self.actor, object_type="personnel.PositionHistory",
                     object_repr=f"{self.created} earlier periods", after={"entries": self.created,
                                                                             "people": len(self.people)})
        return CommitResult(created=self.created, detail={"entries": self.created, "people": len(self.people)})


register_import(PersonImport())
register_import(HistoryImport())
