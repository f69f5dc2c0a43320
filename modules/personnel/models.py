"""Staff records, establishment and transfers (人员流动调配).

The unit's organisation is a tree of departments; each department has posts with an
establishment (编制) count. A person's department, post, rank and status are never simply
overwritten: every change is a dated PositionHistory entry (the open entry closes the day
before the next one starts), so the timeline of a career can be read back and a wrong
move can be undone by a reversing entry that leaves both in the history.

ID numbers (居民身份证号码) are personal information: stored encrypted (crypto.py), with a
keyed hash for exact look-ups and uniqueness and the last four characters for suffix search.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import HAPPENED, PLANNED, DateRangesMixin
from zhengtong.core.models import Timestamped


class Department(Timestamped):
    """A department (内设机构) of the unit; departments form a tree."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent department"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    # The head sees the people of this department and of the departments below it.
    head = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                             verbose_name=_("department head"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Post(Timestamped):
    """A post (岗位) in a department with its establishment (编制数): how many people it may hold."""

    class PostType(models.TextChoices):
        LEADERSHIP = "leadership", _("Leadership post")
        MANAGEMENT = "management", _("Management post")
        PROFESSIONAL = "professional", _("Professional and technical post")
        SUPPORT = "support", _("Work and service post")

    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="posts")
    title = models.CharField(_("post"), max_length=100)
    post_type = models.CharField(_("post type"), max_length=20, choices=PostType.choices,
                                 default=PostType.MANAGEMENT)
    establishment = models.PositiveIntegerField(_("establishment (approved headcount)"), default=1)

    class Meta:
        ordering = ["department__sort_order", "department__name", "title"]
        constraints = [models.UniqueConstraint(fields=["department", "title"], name="personnel_post_dept_title")]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"{self.department.name} / {self.title}"


class Person(DateRangesMixin, Timestamped):
    """A staff record (人员档案) of this unit."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"birth_date": HAPPENED, "entry_date": PLANNED, "secondment_end": PLANNED}

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class EmploymentType(models.TextChoices):
        CIVIL_SERVANT = "civil_servant", _("Civil servant")
        INSTITUTION = "institution", _("Public-institution staff")
        CONTRACT = "contract", _("Contract staff")

    class Status(models.TextChoices):
        IN_POST = "in_post", _("In post")
        SECONDED_OUT = "seconded_out", _("Seconded out")
        SECONDED_IN = "seconded_in", _("Seconded in")
        LEFT = "left", _("Left")
        LEFT_TRANSFERRED = "left_transferred", _("Left (transferred)")
        RETIRED = "retired", _("Retired")

    class Education(models.TextChoices):
        DOCTORATE = "doctorate", _("Doctorate")
        MASTER = "master", _("Master's degree")
        BACHELOR = "bachelor", _("Bachelor's degree")
        JUNIOR_COLLEGE = "junior_college", _("Junior college")
        SECONDARY = "secondary", _("Secondary school or below")

    class PoliticalStatus(models.TextChoices):
        CPC_MEMBER = "cpc_member", _("CPC member")
        CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
        CYL_MEMBER = "cyl_member", _("Communist Youth League member")
        DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
        NON_PARTISAN = "non_partisan", _("Non-partisan")
        MASSES = "masses", _("Ordinary citizen")

    # Stable across units: the record that arrives with a cross-unit transfer keeps it, so
    # "active in exactly one unit" can be checked by the district.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"))
    # Fernet token of the ID number; see crypto.py. Never stored in clear.
    id_number_encrypted = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_last4 = models.CharField(_("ID number (last 4)"), max_length=4, editable=False, db_index=True)
    # Province and city code (first 4 digits): shown in masked form, not identifying on its own.
    id_number_region = models.CharField(max_length=4, editable=False, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    political_status = models.CharField(_("political status"), max_length=20, choices=PoliticalStatus.choices,
                                        blank=True)
    entry_date = models.DateField(_("entry date"))
    department = models.ForeignKey(Department, verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="people")
    post = models.ForeignKey(Post, verbose_name=_("post"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="people")
    rank = models.CharField(_("rank / grade"), max_length=50, blank=True)
    employment_type = models.CharField(_("employment type"), max_length=20, choices=EmploymentType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_POST,
                              db_index=True)
    # The person's login (public schema): other modules know people by user id.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                             verbose_name=_("login account"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    # Secondment (借调): within the unit, to another department (the post and its establishment
    # stay where they are); to or from another unit, the other unit's name.
    seconded_to_department = models.ForeignKey(Department, verbose_name=_("seconded to department"), null=True,
                                               blank=True, on_delete=models.PROTECT, related_name="seconded_people")
    secondment_unit = models.CharField(_("other unit of the secondment"), max_length=200, blank=True)
    secondment_end = models.DateField(_("secondment ends"), null=True, blank=True)
    # A seconded-in person from another unit: a read-only copy; their own unit keeps the record.
    external = models.BooleanField(_("record kept by another unit"), default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # People who hold a place of the establishment: a seconded-out person keeps theirs.
    OCCUPYING = (Status.IN_POST, Status.SECONDED_OUT)
    ACTIVE = (Status.IN_POST, Status.SECONDED_OUT, Status.SECONDED_IN)

    class Meta:
        ordering = ["name_initials", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # One active record per person in a unit; someone who left and came back has an
            # old, inactive record beside the new one.
            models.UniqueConstraint(fields=["id_number_hash"],
                                    condition=Q(status__in=["in_post", "seconded_out", "seconded_in"]),
                                    name="personnel_person_active_id_number"),
        ]
        permissions = [
            ("reveal_id_number", "Can reveal full ID numbers"),
            ("override_establishment", "Can override the establishment check"),
            ("override_handover", "Can complete a transfer with open hand-over items"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        """1101**********123X: what lists show (region code and last four only)."""
        return f"{self.id_number_region or '****'}{'*' * 10}{self.id_number_last4}"


class Transfer(DateRangesMixin, Timestamped):
    """A move (调配) of one person: before/after values, reason, effective date.

    It goes through the approval chain of its kind, takes effect on its effective date
    (periodic job), and can be reversed after it took effect; both entries stay in history.
    """

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"effective_date": PLANNED, "end_date": PLANNED}

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal transfer")
        TRANSFER_OUT = "transfer_out", _("Transfer out to another unit")
        TRANSFER_IN = "transfer_in", _("Transfer in from another unit")
        SECONDMENT = "secondment", _("Secondment")
        PROMOTION = "promotion", _("Promotion")
        DEMOTION = "demotion", _("Demotion")
        APPOINTMENT = "appointment", _("Appointment")
        REMOVAL = "removal", _("Removal from post")
        RETIREMENT = "retirement", _("Retirement")
        RESIGNATION = "resignation", _("Resignation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved, waiting for the effective date")
        APPLIED = "applied", _("In effect")
        RETURNED = "returned", _("Secondment ended")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        REVERSED = "reversed", _("Reversed")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    reason = models.TextField(_("reason"))
    effective_date = models.DateField(_("effective date"), db_index=True)
    end_date = models.DateField(_("end date (secondment)"), null=True, blank=True)
    # Before: what the person had when the request was made; after: what they get.
    before_department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    before_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    before_rank = models.CharField(max_length=50, blank=True)
    before_status = models.CharField(max_length=20, choices=Person.Status.choices, blank=True)
    after_department = models.ForeignKey(Department, verbose_name=_("new department"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    after_post = models.ForeignKey(Post, verbose_name=_("new post"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    after_rank = models.CharField(_("new rank / grade"), max_length=50, blank=True)
    after_status = models.CharField(max_length=20, choices=Person.Status.choices, blank=True)
    other_unit = models.CharField(_("other unit"), max_length=200, blank=True)
    # Establishment check result and its override (with a written reason, audited).
    establishment_override_reason = models.TextField(_("reason for exceeding the establishment"), blank=True)
    establishment_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True, blank=True,
                                                  on_delete=models.PROTECT, related_name="+")
    handover_override_reason = models.TextField(_("reason for completing with open hand-over items"), blank=True)
    handover_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.TextField(blank=True)
    # Set by the cross-unit exchange (modules/personnel/exchange) when it drives this transfer.
    exchange_ref = models.CharField(max_length=64, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-effective_date", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()} {self.effective_date}"


class PositionHistory(DateRangesMixin, Timestamped):
    """One period of a person's career in this unit (or, carried over, in a previous one).

    start_date..end_date inclusive; end_date empty = the current entry. When a new entry
    starts, the open one ends the day before. An entry that was reversed on the day it
    started ends the day before it started (it lasted no day) and stays, marked reversed.
    """

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"start_date": PLANNED, "end_date": PLANNED}

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entered the unit")
        CHANGE = "change", _("Change")
        REVERSAL = "reversal", _("Reversal")
        RETURN = "return", _("Return from secondment")
        CARRIED = "carried", _("Earlier career (carried over)")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="history")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHANGE)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Names as they were: departments get renamed and carried-over entries have no local rows.
    unit_name = models.CharField(_("unit"), max_length=200, blank=True)
    department_name = models.CharField(_("department"), max_length=100, blank=True)
    post_title = models.CharField(_("post"), max_length=100, blank=True)
    rank = models.CharField(_("rank / grade"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Person.Status.choices)
    transfer = models.ForeignKey(Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="history")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["person", "start_date", "pk"]
        verbose_name = _("position history entry")
        verbose_name_plural = _("position history")
        constraints = [
            # One open entry per person: the timeline has exactly one "current" line.
            models.UniqueConstraint(fields=["person"], condition=Q(end_date__isnull=True),
                                    name="personnel_history_one_open"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date") - timedelta(days=1)),
                name="personnel_history_dates"),
        ]

    def __str__(self) -> str:
        place = " / ".join(p for p in (self.department_name, self.post_title) if p) or self.unit_name
        return f"{self.start_date}–{self.end_date or ''} {place}".rstrip()


class HandoverItem(Timestamped):
    """One line of a transfer's hand-over checklist (工作交接): from another module's
    provider (assets in custody, devices, keys) or typed in by HR."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="handover_items")
    module = models.CharField(max_length=40, blank=True)  # empty: a manual item
    kind = models.CharField(max_length=40, blank=True)
    ref = models.CharField(max_length=100, blank=True)
    label = models.CharField(_("item"), max_length=300)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    done = models.BooleanField(_("handed over"), default=False)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["transfer", "pk"]
        constraints = [models.UniqueConstraint(fields=["transfer", "module", "kind", "ref"],
                                               condition=~Q(module=""), name="personnel_handover_item_once")]

    def __str__(self) -> str:
        return self.label


class SecondmentReminder(models.Model):
    """A reminder sent before a secondment ends; one per (transfer, days before) so the daily
    job can run any number of times."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["transfer", "days_before"],
                                               name="personnel_secondment_reminder_once")]

    def __str__(self) -> str:
        return f"move {self.transfer_id}: {self.days_before} days before its end"
