"""The semester evaluation export (equipment.evaluation), downloaded by readers who may see
only part of the results: a responsible person gets exactly their own places' FINAL results,
in every semester and whatever they filter; a member responsible for nothing gets none
(issue 13: every export needs a test as a partial reader). Rule: custody/selectors.py."""
from __future__ import annotations

from tests.conftest import ALPHA_HOST
from tests.support.exports import exported

from .equipment_factories import USER, evaluate

PLACE = "场所"


def test_evaluation_export_holds_exactly_the_results_each_reader_may_see(alpha, school, make_user, client_for):
    s = school
    evaluate(alpha, s, s.autumn, s.lab, ["40", "30", "20"])  # li's
    evaluate(alpha, s, s.spring, s.lab, ["10", "10", "10"], final=False)  # li's, still a draft
    evaluate(alpha, s, s.autumn, s.class_1, ["30", "30", "30"])  # wang's
    evaluate(alpha, s, s.spring, s.class_2, ["20", "20", "20"])  # wang's
    nobody = make_user(alpha, [USER], name="无场所的教师")

    def places(user, **params):
        return exported(client_for(user, ALPHA_HOST), "equipment.evaluation", PLACE, **params)

    everything = sorted(["学生机房", "学生机房", "初一（1）班教室", "初一（2）班教室"])
    assert places(s.manager) == everything  # the centre sees every result, drafts included
    assert places(s.li) == ["学生机房"]  # own final result only: not the draft, not wang's
    assert places(s.li, semester=str(s.spring.pk)) == []  # a semester filter never widens it
    assert places(s.wang) == sorted(["初一（1）班教室", "初一（2）班教室"])
    assert places(s.wang, semester=str(s.autumn.pk)) == ["初一（1）班教室"]
    assert places(nobody) == []
