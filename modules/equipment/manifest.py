"""What the equipment module tells the platform: roles (the information centre's manager,
technicians, staff who use devices), the unit-wide rules a module admin sets, navigation and
the periodic maintenance job. Per-type rules (who may use, training, intervals, checklist,
logbook) are data on DeviceType, edited by module admins on the type pages."""
from zhengtong.registry.manifest import ModuleManifest, NavEntry, PeriodicTask, ReportSpec, RoleSpec, RuleField

from .custody import declarations as custody  # keys, hand-overs, damage, evaluations

MANAGER = "equipment.manager"
TECHNICIAN = "equipment.technician"
USER = "equipment.user"
MODULE_ADMIN = "equipment.module_admin"
# The assets module's officer may also require a certification for a device type (issue 8): a role
# of another module, declared below in borrowed_roles so `manage.py check` fails if assets drops it.
ASSET_OFFICER = "assets.asset_officer"

_READ = ("equipment.view_place", "equipment.view_device", "equipment.view_devicetype",
         "equipment.view_trainingcourse")

RULES = (
    RuleField("repeat_fault_count", "int", 3, "重复故障认定次数", "Faults that make a repeat fault",
              min_value=2, max_value=20,
              help_zh="同一设备在认定期内的故障报修达到该次数时标记为重复故障",
              help_en="A device with this many fault reports within the period is flagged"),
    RuleField("repeat_fault_days", "int", 90, "重复故障认定期（天）", "Repeat-fault period (days)",
              min_value=1, max_value=3650),
    RuleField("exam_failures_flag", "int", 2, "考试不及格几次通知管理员", "Failed exams before the manager is told",
              min_value=1, max_value=10),
    RuleField("antivirus_max_age_days", "int", 30, "杀毒扫描最长间隔（天）",
              "Longest time between antivirus scans (days)", min_value=1, max_value=365),
    RuleField("maintenance_first_due_days", "int", 7, "新设备首次保养/巡检期限（天）",
              "Days until a new device's first maintenance or inspection", min_value=0, max_value=365),
)

MANIFEST = ModuleManifest(
    key="equipment",
    name_zh="信息化设施管理",
    name_en="IT equipment",
    app_label="equipment",
    urls="modules.equipment.urls",
    description_zh="场所与责任人、设备与使用规则、使用登记、培训认证、故障报修、预防性维护与巡检",
    description_en="Places and responsible people, devices and usage rules, logbook, training, repairs, maintenance",
    roles=(
        RoleSpec(MANAGER, "设施管理员（信息中心）", "Equipment manager (information centre)",
                 permissions=(*_READ, "equipment.add_place", "equipment.change_place", "equipment.add_device",
                              "equipment.change_device", "equipment.add_trainingcourse",
                              "equipment.change_trainingcourse", "equipment.view_logbookentry",
                              "equipment.view_repairticket", "equipment.view_maintenancetask",
                              "equipment.view_inspectionrecord", "equipment.view_certification",
                              *custody.MANAGER_PERMS),
                 description_zh="登记场所与设备、指定责任人、管理培训课程、查看全部登记与报修",
                 description_en="Registers places and devices, names responsible people, runs training, sees all logs"),
        RoleSpec(TECHNICIAN, "维修技术员", "Technician",
                 permissions=(*_READ, "equipment.view_repairticket", "equipment.change_repairticket",
                              "equipment.view_maintenancetask", "equipment.change_maintenancetask",
                              "equipment.view_inspectionrecord", "equipment.add_inspectionrecord",
                              "equipment.view_logbookentry"),
                 description_zh="处理报修、做保养与巡检、记录杀毒与补丁状态",
                 description_en="Works repair tickets, maintenance and inspections, antivirus and patch status"),
        RoleSpec(USER, "设备使用人（教职工）", "Device user (staff)", permissions=_READ,
                 description_zh="借用与登记使用设备、参加培训考试、报修",
                 description_en="Checks out and logs devices, takes training exams, reports faults"),
        *custody.ROLES,
    ),
    rules=RULES,
    periodic_tasks=(PeriodicTask("equipment.maintenance_schedule", 24 * 3600), *custody.PERIODIC_TASKS),
    # the custody sub-app's entries (modules/equipment/custody/declarations.py)
    navigation=(
        NavEntry("equipment:device_list", "设备", "Devices", permission="equipment.view_device"),
        NavEntry("equipment:place_list", "场所", "Places", permission="equipment.view_place"),
        NavEntry("equipment:my_equipment", "我的设备与登记", "My devices and log"),
        NavEntry("equipment:training_list", "培训与认证", "Training", permission="equipment.view_trainingcourse"),
        NavEntry("equipment:ticket_list", "故障报修", "Repairs"),
        NavEntry("equipment:maintenance_list", "保养与巡检", "Maintenance",
                 permission="equipment.view_maintenancetask"),
        NavEntry("equipment:type_list", "设备类型与规则", "Device types and rules",
                 permission="equipment.view_devicetype"),
        *custody.NAVIGATION,
    ),
    approval_types=custody.APPROVAL_TYPES,
    reports=(
        ReportSpec("equipment.repairs", "设备维修统计", "Repair report",
                   builder="modules.equipment.reports.repairs.build",
                   form="modules.equipment.reports.repairs.RepairParameters",
                   permission="equipment.view_repairticket",
                   description_zh="期间内的报修单：设备、故障、处理人、状态、费用与停用时长及合计",
                   description_en="Repair tickets of a period: device, fault, technician, status, cost and "
                                  "downtime, with totals"),
        *custody.REPORTS,
    ),
    events_handled=dict(custody.EVENTS_HANDLED),
    handover_provider=custody.HANDOVER_PROVIDER,
    borrowed_roles=(ASSET_OFFICER,),
    demo="modules.equipment.demo.seed",  # manage.py seed_demo: the demo school
)
