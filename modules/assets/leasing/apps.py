from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsLeasingConfig(AppConfig):
    name = "modules.assets.leasing"
    label = "assets_leasing"
    verbose_name = _("Lending and renting")

    def ready(self):
        from zhengtong.audit.tracking import track_changes

        from . import attachments  # noqa: F401  (registers the contract-text use)

        # Contracts and income entries are money records: every change goes to the trail.
        track_changes("assets_leasing.LeaseContract", repr_fields=("counterparty",))
        track_changes("assets_leasing.IncomeEntry", exclude=("recorded_at",), repr_fields=("received_on", "amount"))
