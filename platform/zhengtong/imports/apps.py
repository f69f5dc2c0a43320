from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "zhengtong.imports"
    label = "imports"
