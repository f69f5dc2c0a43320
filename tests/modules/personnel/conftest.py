"""Fixtures shared by the personnel module's tests."""
from __future__ import annotations

from datetime import date

import pytest

from tests.support.personnel import Exchange, Org, department_with_post, person_with_history


@pytest.fixture
def org(alpha, make_user):
    """Alpha's personnel set-up: three departments, three posts, two HR officers, a leader, a head."""
    return Org(alpha, make_user)


@pytest.fixture
def exchange(alpha, beta, make_user):
    """The same ids on both sides: department/post 7001 exist in alpha and in beta, and
    person 9001 exists in both (different people)."""
    alpha_dept, alpha_post = department_with_post(alpha, dept_name="办公室", post_title="文秘", establishment=3)
    beta_dept, beta_post = department_with_post(beta, dept_name="教务处", post_title="教务员", establishment=1)
    person = person_with_history(alpha, pk=9001, name="王晓梅", department=alpha_dept, post=alpha_post)
    person_with_history(beta, pk=9001, name="乙单位同名编号人员", department=beta_dept, post=beta_post,
                        id_number="110105198001010032", history_from=date(2018, 1, 1))
    return Exchange(
        alpha_hr=make_user(alpha, ["personnel.hr"], name="甲人事"),
        beta_hr=make_user(beta, ["personnel.hr"], name="乙人事"),
        beta_leader=make_user(beta, ["personnel.leader"], name="乙领导"),
        district_hr=make_user(district_roles=["district.hr_bureau"], name="区人社局"),
        alpha_dept=alpha_dept, alpha_post=alpha_post, beta_dept=beta_dept, beta_post=beta_post, person=person)
