from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "zhengtong.security"
    label = "security"
