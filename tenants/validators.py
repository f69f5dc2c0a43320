"""统一社会信用代码 (unified social credit code, GB 32100-2015) check."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# 31 characters: digits and upper-case letters without I, O, S, V, Z.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=False))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters (统一社会信用代码应为18位)."), code="length"
        )
    bad = [c for c in code if c not in CREDIT_CODE_CHARSET]
    if bad:
        raise ValidationError(
            _("Invalid character %(c)s in the credit code (统一社会信用代码含非法字符).") % {"c": bad[0]},
            code="charset",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The credit code's check character is wrong (统一社会信用代码校验位错误)."), code="check_digit"
        )
