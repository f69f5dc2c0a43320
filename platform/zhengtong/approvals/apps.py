from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Deadline reminders and escalation: every unit, every 10 minutes.
DEADLINE_CHECK_SECONDS = 600


class ApprovalsConfig(AppConfig):
    name = "zhengtong.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from zhengtong.notifications.periodic import register_unit_job

        register_unit_job("zhengtong.approvals.check_deadlines", DEADLINE_CHECK_SECONDS)
