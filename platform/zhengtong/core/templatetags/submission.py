"""``{% submission_token %}``: the hidden one-time token of a create form (zhengtong.core.submissions)."""
from django import template
from django.utils.html import format_html

from zhengtong.core.submissions import FIELD, new_token

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
