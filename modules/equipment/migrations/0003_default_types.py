"""Seed the default trainings and device types with their rules (modules/equipment/defaults.py)
into every unit schema (and the template schema new units are cloned from). Skips what exists,
so a unit's own edits are kept."""
from django.db import migrations


def seed(apps, schema_editor):
    from modules.equipment.defaults import COURSES, DEVICE_TYPES

    if schema_editor.connection.schema_name == "public":
        return
    Course = apps.get_model("equipment", "TrainingCourse")
    Question = apps.get_model("equipment", "ExamQuestion")
    DeviceType = apps.get_model("equipment", "DeviceType")
    courses = {}
    for spec in COURSES:
        course, created = Course.objects.get_or_create(
            title=spec["title"], defaults={"material": spec["material"], "pass_mark": spec["pass_mark"],
                                           "validity_days": spec["validity_days"]})
        courses[spec["title"]] = course
        if created:
            for i, (text, options, correct) in enumerate(spec["questions"], start=1):
                Question.objects.create(course=course, position=i, text=text, options=options, correct_option=correct)
    for spec in DEVICE_TYPES:
        fields = {k: v for k, v in spec.items() if k not in ("name", "course")}
        fields["required_course"] = courses[spec["course"]] if spec["course"] else None
        DeviceType.objects.get_or_create(name=spec["name"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("equipment", "0002_ticket_device_status_before")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
