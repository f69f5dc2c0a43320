from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "zhengtong.approvals"
    label = "approvals"
