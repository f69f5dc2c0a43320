"""Training courses, their exams and the certifications passing them grants."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from zhengtong.approvals.people import holder_ids
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.updates import model_update, snapshot
from zhengtong.notifications.services import notify

from ..manifest import MANAGER, MODULE_ADMIN
from ..models import (
    Certification,
    ExamAttempt,
    ExamQuestion,
    TrainingCourse,
)
from .guards import (
    _today,
    rules,
)

# ----------------------------------------------------------------------------- training
COURSE_FIELDS = ("title", "material", "pass_mark", "validity_days", "active")


@audited_refusal("equipment.course.save", obj_arg="course", object_type="equipment.TrainingCourse")
@transaction.atomic
def course_save(*, actor, course: TrainingCourse | None = None, **fields) -> TrainingCourse:
    perm = "equipment.add_trainingcourse" if course is None else "equipment.change_trainingcourse"
    if not actor.has_perm(perm):
        raise Refused(_("You may not manage training courses."))
    if course is None:
        course = TrainingCourse(**fields)
        course.full_clean()
        course.save()
        audit_record(action="equipment.course.create", actor=actor, obj=course, after=snapshot(course, COURSE_FIELDS))
        return course
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    course, _changed = model_update(instance=course, data=fields, fields=COURSE_FIELDS, actor=actor,
                                    action="equipment.course.update")
    return course


@audited_refusal("equipment.course.question_add", obj_arg="course")
@transaction.atomic
def question_add(*, actor, course: TrainingCourse, text: str, options: list[str], correct_option: int) -> ExamQuestion:
    if not actor.has_perm("equipment.change_trainingcourse"):
        raise Refused(_("You may not manage training courses."))
    options = [o.strip() for o in options if o and o.strip()]
    if len(options) < 2:
        raise Invalid(_("A question needs at least two options."), code="options")
    if not 0 <= correct_option < len(options):
        raise Invalid(_("The correct option must be one of the options."), code="correct")
    position = (course.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    q = ExamQuestion.objects.create(course=course, position=position, text=text.strip(), options=options,
                                    correct_option=correct_option)
    audit_record(action="equipment.course.question_add", actor=actor, obj=course,
                 after={"question": q.pk, "text": q.text[:200]})
    return q


@audited_refusal("equipment.course.question_remove", obj_arg="question")
@transaction.atomic
def question_remove(*, actor, question: ExamQuestion) -> None:
    if not actor.has_perm("equipment.change_trainingcourse"):
        raise Refused(_("You may not manage training courses."))
    audit_record(action="equipment.course.question_remove", actor=actor, obj=question.course,
                 before={"question": question.pk, "text": question.text[:200]})
    question.delete()


@dataclass
class ExamResult:
    attempt: ExamAttempt
    certification: Certification | None
    failures_in_a_row: int


@transaction.atomic
def exam_submit(*, actor, course: TrainingCourse, answers: dict[int, int]) -> ExamResult:
    """Mark an exam. Passing grants a certification valid for the course's validity period;
    failing ``exam_failures_flag`` times in a row tells the equipment managers (the essays
    want staff who cannot operate a device trained, not left to try)."""
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    if not course.active:
        raise Invalid(_("This training is closed."), code="inactive")
    questions = list(course.questions.all())
    if not questions:
        raise Invalid(_("This training has no exam questions yet."), code="no_questions")
    correct = sum(1 for q in questions if answers.get(q.pk) == q.correct_option)
    # Whole percent, rounded down: a pass mark of 80 means at least 80 %.
    score = correct * 100 // len(questions)
    passed = score >= course.pass_mark
    attempt = ExamAttempt.objects.create(course=course, user=actor, score=score, passed=passed,
                                         answers={str(k): v for k, v in answers.items()})
    certification = None
    if passed:
        today = _today()
        certification = Certification.objects.create(course=course, user=actor, attempt=attempt, granted_on=today,
                                                     valid_until=today + timedelta(days=course.validity_days))
        audit_record(action="equipment.exam.pass", actor=actor, obj=course,
                     after={"score": score, "valid_until": certification.valid_until})
        return ExamResult(attempt, certification, 0)
    last_pass = (ExamAttempt.objects.filter(course=course, user=actor, passed=True).order_by("-at", "-id")
                 .values_list("id", flat=True).first())
    failures = ExamAttempt.objects.filter(course=course, user=actor, passed=False)
    if last_pass:
        failures = failures.filter(id__gt=last_pass)
    failures = failures.count()
    audit_record(action="equipment.exam.fail", actor=actor, obj=course,
                 after={"score": score, "failures_in_a_row": failures})
    limit = rules()["exam_failures_flag"]
    if failures == limit:
        managers = holder_ids(MANAGER) | holder_ids(MODULE_ADMIN)
        name = actor.name or actor.email
        notify(recipients=managers - {actor.pk}, kind="module_warning",
               title=f"{name} 未通过培训考试“{course.title}”{failures}次",
               title_en=f"{name} failed the exam of “{course.title}” {failures} times",
               body=f"最近一次得分 {score}%，及格线 {course.pass_mark}%。请安排辅导。",
               body_en=f"Last score {score}%, pass mark {course.pass_mark}%. Please arrange coaching.",
               url=f"/m/equipment/training/{course.pk}/",
               dedupe_key=f"equipment.exam_fail.{connection.schema_name}.{course.pk}.{actor.pk}.{attempt.pk}")
    return ExamResult(attempt, None, failures)


