"""Default device types, rules and trainings seeded into every unit (migration 0003), taken from
the essays 篇三/篇四/篇五: school computer rules, the infrastructure rules of classrooms, labs,
the network centre, e-reading and lesson-preparation rooms, and the information centre's duties.
Module admins change them per unit; they are data, not code."""

MULTIMEDIA = "多媒体设备操作培训"
COMPUTER_SAFETY = "计算机安全使用培训"

COURSES = [
    {
        "title": MULTIMEDIA, "pass_mark": 80, "validity_days": 365,
        "material": (
            "教师需经过专门培训合格以后才可使用所在教室的微机、投影仪。\n"
            "使用前认真检查设备完好程度，使用时严格按操作要求规范操作，时刻注意设备运转情况；"
            "如有问题，立即停止使用并通知相关管理人员处理。\n"
            "按正常顺序开机、关机，不得强行关闭电源；离开教室关好门窗，断开总电源。\n"
            "未经班级管理人员同意，不得拆卸电教设备，不得把电教设备拿出教室外使用。"),
        "questions": [
            ("投影仪使用中出现异常，应当怎么做？",
             ["继续使用直到下课", "立即停止使用并通知管理人员", "自己拆开检查"], 1),
            ("下课离开教室时应当：", ["保持投影仪开机", "关好门窗并断开总电源", "只关显示器"], 1),
            ("可以把电教设备拿出教室外使用吗？", ["可以随意拿走", "经班级管理人员同意后才可以", "学生可以自行决定"], 1),
            ("清洁电教设备时应当：", ["用湿抹布擦拭", "切忌用湿抹布，防水防潮", "用水冲洗"], 1),
            ("设备出现故障时由谁维修？", ["任何会修的人", "由专人（技术员）维修，其他人员不得私自动手", "学生"], 1),
        ],
    },
    {
        "title": COMPUTER_SAFETY, "pass_mark": 80, "validity_days": 730,
        "material": (
            "不得随意更改计算机系统设置（尤其是IP地址和工作组名），不得随意安装、删除程序。\n"
            "外来存储介质必须先杀毒再使用；定期用杀毒软件检查磁盘。\n"
            "重要数据及时备份并做好标识；个人资料定期备份到其他存储器。"),
        "questions": [
            ("使用外来U盘前应当：", ["直接打开", "先杀毒再使用", "格式化电脑硬盘"], 1),
            ("可以更改办公计算机的IP地址吗？", ["可以", "不得随意更改", "只要能上网就行"], 1),
            ("重要数据应当：", ["只存一份", "及时备份并做好标识", "存在桌面"], 1),
        ],
    },
]

_OFFICE_RULES = (
    "一、计算机为办公和学习而设，不得挪作私人用途，禁止玩游戏、上网聊天和访问不健康网站。\n"
    "二、不得随意更改计算机系统设置（尤其是IP地址和工作组名），不得安装与工作无关的软件。\n"
    "三、外来存储介质先杀毒再使用；重要数据及时备份。\n"
    "四、发现故障及时报修，由专人维修，其他人员不得私自动手维修或拆开机箱。\n"
    "五、学生不得使用办公室计算机，特殊情况须教师在场指导。\n"
    "六、使用完毕正常关机，下班切断电源，关好门窗。")

_LAB_RULES = (
    "一、遵守正常的开机和关机顺序，不得在机房内玩游戏，不得私自装、卸软件。\n"
    "二、保持手部干燥，不将带水、带磁性的物品靠近计算机；不触摸电线、网线、电源线。\n"
    "三、计算机发生故障及时报管理员处理，非管理员不得私自拆卸。\n"
    "四、最后离开机房的教师检查电源是否断开、门窗是否关好，房门反锁。")

_MULTIMEDIA_RULES = (
    "一、教师须经过多媒体设备操作培训合格后方可使用。\n"
    "二、使用前检查设备完好程度，使用中发现异常立即停止使用并报修。\n"
    "三、未经班级管理人员同意不得拆卸设备或拿出教室外使用。\n"
    "四、学生只能在教师现场指导下使用。\n"
    "五、离开教室关好门窗，断开总电源；因操作失误造成人为损坏的照章赔偿。")

_NETWORK_RULES = (
    "一、网络中心机房由网络管理员专人负责，未经允许非网络管理人员不得进入。\n"
    "二、服务器配置不间断电源（UPS），做好上机日志和存档，任何人不得删除运行记录。\n"
    "三、机房温度保持在25摄氏度左右，做好防火、防毒、防潮、防雷击检查。\n"
    "四、服务器数据每周一次异地备份。")

_PC_CHECKLIST = ["除尘清洁", "电源与线路安全", "杀毒软件已更新并完成扫描", "系统设置未被更改（IP地址、工作组名）",
                 "重要数据已备份", "未安装与工作无关的软件"]
_AV_CHECKLIST = ["除尘清洁（滤网）", "电源与线路安全", "设备运转与画面/声音正常"]

DEVICE_TYPES = [
    {"name": "办公计算机", "category": "computer", "use_policy": "staff", "course": None,
     "maintenance_interval_days": 180, "inspection_interval_days": 30, "checklist": _PC_CHECKLIST,
     "logbook_required": False, "tracks_antivirus": True, "usage_rules": _OFFICE_RULES},
    {"name": "网络教室学生机", "category": "computer", "use_policy": "supervised_students", "course": None,
     "maintenance_interval_days": 90, "inspection_interval_days": 7, "checklist": _PC_CHECKLIST,
     "logbook_required": True, "tracks_antivirus": True, "usage_rules": _LAB_RULES},
    {"name": "电子备课室计算机", "category": "computer", "use_policy": "staff", "course": COMPUTER_SAFETY,
     "maintenance_interval_days": 90, "inspection_interval_days": 30, "checklist": _PC_CHECKLIST,
     "logbook_required": True, "tracks_antivirus": True, "usage_rules": _OFFICE_RULES},
    {"name": "投影仪", "category": "projector", "use_policy": "supervised_students", "course": MULTIMEDIA,
     "maintenance_interval_days": 180, "inspection_interval_days": 30,
     "checklist": [*_AV_CHECKLIST, "灯泡使用时数正常"], "logbook_required": True, "tracks_antivirus": False,
     "usage_rules": _MULTIMEDIA_RULES},
    {"name": "视频展示台", "category": "visualiser", "use_policy": "supervised_students", "course": MULTIMEDIA,
     "maintenance_interval_days": 180, "inspection_interval_days": 60, "checklist": _AV_CHECKLIST,
     "logbook_required": False, "tracks_antivirus": False, "usage_rules": _MULTIMEDIA_RULES},
    {"name": "多媒体中控台", "category": "control_panel", "use_policy": "staff", "course": MULTIMEDIA,
     "maintenance_interval_days": 180, "inspection_interval_days": 60, "checklist": _AV_CHECKLIST,
     "logbook_required": False, "tracks_antivirus": False, "usage_rules": _MULTIMEDIA_RULES},
    {"name": "打印机/扫描仪", "category": "printer", "use_policy": "staff", "course": None,
     "maintenance_interval_days": 180, "inspection_interval_days": 90,
     "checklist": ["除尘清洁", "电源与线路安全", "耗材余量"], "logbook_required": True, "tracks_antivirus": False,
     "usage_rules": "一、不会使用的向信息化管理人员咨询，不得盲目操作。\n二、故障及时向信息中心反映。\n"
                    "三、每次使用后做好使用登记。"},
    {"name": "电视机/音响/广播", "category": "audio_tv", "use_policy": "supervised_students", "course": None,
     "maintenance_interval_days": 365, "inspection_interval_days": 90, "checklist": _AV_CHECKLIST,
     "logbook_required": False, "tracks_antivirus": False, "usage_rules": ""},
    {"name": "网络设备与服务器", "category": "network", "use_policy": "technicians", "course": None,
     "maintenance_interval_days": 90, "inspection_interval_days": 7,
     "checklist": ["机房温度约25℃", "UPS供电正常", "运行日志已存档", "数据已异地备份（每周一次）", "防火防潮防雷检查"],
     "logbook_required": True, "tracks_antivirus": False, "usage_rules": _NETWORK_RULES},
    {"name": "UPS不间断电源", "category": "ups", "use_policy": "technicians", "course": None,
     "maintenance_interval_days": 180, "inspection_interval_days": 30,
     "checklist": ["电池状态正常", "负载与告警检查"], "logbook_required": False, "tracks_antivirus": False,
     "usage_rules": ""},
]
