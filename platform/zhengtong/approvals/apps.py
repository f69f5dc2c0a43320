from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    # The deadline check runs in every unit every 10 minutes: settings.ZT_PLATFORM_UNIT_JOBS.
    name = "zhengtong.approvals"
    label = "approvals"
    verbose_name = _("Approvals")
