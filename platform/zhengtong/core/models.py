from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Timestamped(models.Model):
    """When a row was made, declared once for every model that keeps it (issue 16 item 7).

    ``created_at`` is set by the database write that creates the row and never changes after:
    lists sort by it, retention and "stuck" checks measure from it, and the audit trail (not this
    field) says who made it. A model whose field differs (indexed, editable, a default instead of
    ``auto_now_add``) declares its own; one that inherits this gets no migration, because the
    column is the same ``DateTimeField(auto_now_add=True)`` it declared before.
    """

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class FormSubmission(models.Model):
    """A create form's submission that has done its work, kept for a day so the same form
    sent again (a double click, a resend after a slow answer) leads to what the first one
    created instead of creating it twice (zhengtong.core.submissions).

    In the public schema: the token is random and names the unit's schema and path it was
    used on, so one table serves every unit and a backup of a unit carries none of it."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    schema_name = models.CharField(max_length=63)
    path = models.CharField(max_length=300)
    result_url = models.CharField(_("result"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form submission")

    def __str__(self):
        return f"{self.schema_name}{self.path}"
