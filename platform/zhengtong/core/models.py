from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
