from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "zhengtong.reports"
    label = "reports"
