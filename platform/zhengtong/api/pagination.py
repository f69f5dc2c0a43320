"""Lists page like the portal's HTML lists (25 a page), so both show the same slices.

DRF's page-number pagination forgives: ``page_size=abc``, ``page_size=0``, ``page_size=5000`` and
``page_size=10&page_size=20`` all quietly give some page. Here ``page`` and ``page_size`` are whole
numbers in their published range, given at most once, else 400 (a page past the last stays 404).
"""
import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]{1,1000}")  # no limit in the schema; Python reads ints up to 4300 digits


class UnitPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.check_parameters(request)
        return super().paginate_queryset(queryset, request, view)

    def check_parameters(self, request) -> None:
        errors = {}
        for name, maximum in ((self.page_query_param, None), (self.page_size_query_param, self.max_page_size)):
            values = request.query_params.getlist(name)
            if not values:
                continue
            number = int(values[0]) if WHOLE_NUMBER.fullmatch(values[0]) else 0
            if len(values) > 1 or number < 1 or (maximum is not None and number > maximum):
                errors[name] = [
                    _("Give %(name)s once, as a whole number from 1 to %(max)d (%(name)s须为1至%(max)d之间的整数，"
                      "且只能给出一次).") % {"name": name, "max": maximum} if maximum else
                    _("Give %(name)s once, as a whole number from 1 (%(name)s须为不小于1的整数，且只能给出一次).")
                    % {"name": name}]
        if errors:
            raise ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
