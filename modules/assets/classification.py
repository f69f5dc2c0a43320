"""The asset classification tree (GB/T 14885-2022 固定资产等资产基础分类与代码).

SHIPPED is the part every unit needs on day one: the top-level categories (门类) and the
common office, IT, vehicle and furniture classes. Codes follow the standard's hierarchy
(a child's code extends its parent's); depreciation years are the defaults of the
government accounting standard No. 3's application guide (固定资产折旧年限表). Land and
cultural relics are not depreciated, nor are books/archives and special animals and
plants (depreciable=False). The full official table is loaded with category_load().
"""
from __future__ import annotations

from collections.abc import Iterable

# (code, name, parent code, depreciation years, depreciable)
SHIPPED: tuple[tuple[str, str, str, int | None, bool], ...] = (
    ("1", "土地、海域及无居民海岛", "", None, False),
    ("2", "房屋和构筑物", "", None, True),
    ("201", "房屋", "2", 50, True),
    ("202", "构筑物", "2", 8, True),
    ("3", "设备", "", None, True),
    ("302", "计算机设备", "3", 6, True),
    ("30201", "台式计算机", "302", 6, True),
    ("30202", "便携式计算机", "302", 6, True),
    ("30203", "服务器", "302", 6, True),
    ("30204", "网络设备", "302", 6, True),
    ("303", "办公设备", "3", 6, True),
    ("30301", "复印机", "303", 6, True),
    ("30302", "打印机", "303", 6, True),
    ("30303", "投影仪", "303", 6, True),
    ("304", "车辆", "3", 8, True),
    ("30401", "载客汽车", "304", 8, True),
    ("30402", "载货汽车", "304", 8, True),
    ("305", "通信设备", "3", 5, True),
    ("4", "文物和陈列品", "", None, False),
    ("5", "图书和档案", "", None, False),
    ("6", "家具和用具", "", None, True),
    ("601", "家具", "6", 15, True),
    ("60101", "办公桌", "601", 15, True),
    ("60102", "办公椅", "601", 15, True),
    ("60103", "文件柜", "601", 15, True),
    ("602", "用具、装具", "6", 5, True),
    ("7", "特种动植物", "", None, False),
    ("8", "物资", "", None, False),
    ("9", "无形资产", "", None, True),
)


def category_load(rows: Iterable[tuple[str, str, str, int | None, bool]], *, category_model=None) -> int:
    """Create or update classes from (code, name, parent code, years, depreciable) rows,
    parents before children (rows may come in any order). Returns the rows written.

    ``category_model`` lets the data migration pass its historical model.
    """
    if category_model is None:
        from .models import Category as category_model
    rows = sorted(rows, key=lambda r: (len(r[0]), r[0]))  # a parent's code is a prefix: shorter first
    by_code = {c.code: c for c in category_model.objects.all()}
    for code, name, parent_code, years, depreciable in rows:
        parent = by_code.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise ValueError(f"分类 {code} 的上级 {parent_code} 不存在 / "
                             f"parent class {parent_code} of {code} is missing")
        obj, _ = category_model.objects.update_or_create(
            code=code, defaults={"name": name, "parent": parent, "depreciation_years": years,
                                 "depreciable": depreciable})
        by_code[code] = obj
    return len(rows)


def effective_class_terms(category) -> tuple[int | None, bool]:
    """A class's depreciation years and flag, inheriting years from the nearest ancestor
    that has them; a class is depreciable only if it and all its ancestors are."""
    years, depreciable = None, True
    node = category
    while node is not None:
        if years is None:
            years = node.depreciation_years
        depreciable = depreciable and node.depreciable
        node = node.parent
    return years, depreciable
