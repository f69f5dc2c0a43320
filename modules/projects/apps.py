from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "modules.projects"
    label = "projects"
    verbose_name = _("IT projects")

    def ready(self):
        from zhengtong.audit.tracking import track_changes
        from zhengtong.registry.registry import register

        from .manifest import MANIFEST

        register(MANIFEST)
        # Every change of a project (class, status, number) is audited by a database trigger.
        track_changes("projects.Project", exclude=("updated_at",), repr_fields=("name", "number"))
