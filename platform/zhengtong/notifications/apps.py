from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "zhengtong.notifications"
    label = "notifications"
