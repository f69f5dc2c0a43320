"""A demo district to click through: three units, one user per role, assets, staff records and IT equipment.

Idempotent: a second run reuses what exists. Demo accounts exist only here — production
has no default accounts (see docs/security.md).
"""
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context
from tenant_users.permissions.models import UserTenantPermissions

from tenants.models import Unit
from tenants.services import unit_module_set, unit_onboard
from zhengtong.accounts.models import User
from zhengtong.accounts.services import member_roles_set
from zhengtong.core.hosts import district_url, unit_url
from zhengtong.registry.manifest import DemoDistrict
from zhengtong.registry.registry import all_modules

UNITS = [
    ("jyj", "区教育局", "bureau", "12110105MB0000001" ),
    ("syxx", "区第一实验小学", "school", "12110105MB0000002"),
    ("wjj", "区卫生健康委员会", "bureau", "12110105MB0000003"),
]
# (email local part, name, {unit slug: [roles]}, district roles)
PEOPLE = [
    ("operator", "区运维 陈敏", {}, ["district.operator"]),
    ("finance", "区财政局 刘洋", {}, ["district.finance_bureau"]),
    ("hr", "区人社局 赵静", {}, ["district.hr_bureau"]),
    ("jyj-admin", "教育局管理员 王芳", {"jyj": ["platform.unit_admin", "assets.module_admin"]}, []),
    ("jyj-sys", "系统管理员 李强", {"jyj": ["platform.system_admin"]}, []),
    ("jyj-sec", "安全管理员 周杰", {"jyj": ["platform.security_admin"]}, []),
    ("jyj-audit", "审计管理员 吴丽", {"jyj": ["platform.audit_admin"]}, []),
    ("jyj-officer", "资产专管员 孙伟", {"jyj": ["assets.asset_officer"]}, []),
    ("jyj-head", "部门负责人 郑涛", {"jyj": ["assets.department_head", "personnel.department_head"]}, []),
    ("jyj-custodian", "使用人 钱进", {"jyj": ["assets.custodian"]}, []),
    ("zhang", "张老师（两个单位）", {"jyj": ["assets.custodian"], "syxx": ["assets.asset_officer"]}, []),
    ("syxx-admin", "实验小学管理员 冯楠", {"syxx": ["platform.unit_admin", "assets.module_admin"]}, []),
    # The health commission has no asset officer of its own: its admin registers its assets.
    # (Held here, not granted while seeding assets, so a second run does not take it away.)
    ("wjj-admin", "卫健委管理员 何平", {"wjj": ["platform.unit_admin", "assets.module_admin",
                                             "assets.asset_officer"]}, []),
    # Personnel (modules/personnel/demo.py) and IT equipment (modules/equipment/demo.py).
    ("jyj-hr", "人事科 韩梅", {"jyj": ["personnel.hr"]}, []),
    ("jyj-leader", "局长 邓辉", {"jyj": ["personnel.leader"]}, []),
    ("syxx-hr", "人事干事 杨柳", {"syxx": ["personnel.hr"]}, []),
    ("syxx-office", "办公室主任 曹宁（人事审核）", {"syxx": ["personnel.hr"]}, []),
    ("syxx-principal", "校长 袁博", {"syxx": ["personnel.leader"]}, []),
    ("syxx-head", "教务主任 罗敏", {"syxx": ["personnel.department_head", "equipment.user"]}, []),
    ("syxx-eqm", "信息中心主任 谢军", {"syxx": ["equipment.manager"]}, []),
    ("syxx-tech", "信息技术教师 蒋超", {"syxx": ["equipment.technician"]}, []),
    ("syxx-teacher", "语文教师 林静（已通过多媒体培训）", {"syxx": ["equipment.user"]}, []),
    ("syxx-teacher2", "数学教师 马明（未通过多媒体培训）", {"syxx": ["equipment.user"]}, []),
    ("wjj-hr", "人事科 田甜", {"wjj": ["personnel.hr"]}, []),
]
# Modules switched on per demo unit (besides assets, which every demo unit has from onboarding).
MODULES = {"jyj": ["personnel", "equipment"], "syxx": ["personnel", "equipment"], "wjj": ["personnel"]}



def credit_code(first17: str) -> str:
    from tenants.validators import credit_code_check_char

    return first17 + credit_code_check_char(first17)


class Command(BaseCommand):
    help = ("Seed the demo district (units, users per role, assets, staff records, IT equipment) and print URLs "
            "and logins.")

    def handle(self, *args, **options):
        if not getattr(settings, "ZT_DEMO_ALLOWED", True):
            raise CommandError("Demo accounts are not allowed in production (docs/security.md).")
        password = os.environ.get("ZT_DEMO_PASSWORD", "Zhengtong@2026")
        units = {}
        for slug, name, kind, code17 in UNITS:
            unit = Unit.objects.filter(slug=slug).first()
            if unit is None:
                unit = unit_onboard(name=name, slug=slug, unit_type=kind, credit_code=credit_code(code17),
                                    module_keys=["assets"], actor=None, check_actor=False, send_invite=False).unit
            units[slug] = unit
        portal = Unit.objects.get(schema_name="public")
        users = {}
        for local, name, roles, district_roles in PEOPLE:
            email = f"{local}@demo.zt"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=password, name=name)
            users[local] = user
            for slug, keys in roles.items():
                member_roles_set(unit=units[slug], user=user, role_keys=keys, actor=None, enforce_grantor=False)
            if district_roles:
                member_roles_set(unit=portal, user=user, role_keys=district_roles, actor=None, enforce_grantor=False)
        # The district operator may use the Django admin (platform operators only).
        with schema_context("public"):
            UserTenantPermissions.objects.filter(profile=users["operator"]).update(is_staff=True)
        for slug, keys in MODULES.items():  # idempotent: a module already on is left alone
            for key in keys:
                unit_module_set(unit=units[slug], module_key=key, enabled=True, actor=users["operator"])
        # The demo's notifications stay in the app (the bell); their e-mails to the made-up
        # @demo.zt addresses would only be printed by the console backend into the output that
        # run.sh keeps as var/demo-logins.txt, burying the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._print(units, password, self._second_factors(users))
            # Each module seeds its own data (its manifest's ``demo``, e.g. modules/personnel/demo.py;
            # the inspection bureau 区税务局稽查局 prints its own logins after these).
            district = DemoDistrict(units=units, users=users, password=password, stdout=self.stdout)
            for manifest in all_modules():
                if manifest.demo:
                    import_string(manifest.demo)(district)

    def _second_factors(self, users):
        """Administrators and operators sign in with a TOTP code: enrol a device for each demo
        one (once) and print its key, to be added to an authenticator app."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from zhengtong.security.selectors import two_factor_required

        devices = {}
        for local, user in users.items():
            if two_factor_required(user):
                devices[local] = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
                                  or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True))
        return devices

    def _print(self, units, password, devices=None):
        from base64 import b32encode

        w = self.stdout.write
        w("")
        w("=" * 72)
        w("政通 Zhengtong demo district is ready")
        w(f"  District portal : {district_url()}")
        for unit in units.values():
            w(f"  {unit.name:<12}: {unit_url(unit)}")
        w(f"  Django admin    : {district_url('/admin/')}  (operator@demo.zt)")
        w(f"Logins (password for all: {password})")
        for local, _name, roles, district_roles in PEOPLE:
            where = ", ".join(f"{s}: {'+'.join(r)}" for s, r in roles.items()) or ", ".join(district_roles)
            w(f"  {local + '@demo.zt':<26} {where}")
        if devices:
            w("Second factor (TOTP, 6 digits / 30 s) — add these keys to an authenticator app:")
            for local, device in devices.items():
                w(f"  {local + '@demo.zt':<26} {b32encode(device.bin_key).decode()}")
                w(f"  {'':<26} {device.config_url}")
        w("=" * 72)
