from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.security.middleware import EXPIRED, needs_second_factor, second_factor_verified
from zhengtong.security.selectors import security_policy
from zhengtong.security.services import (
    has_confirmed_device,
    second_factor_wait,
    totp_device_pending,
    totp_enrol_confirm,
    totp_verify,
)

from .forms import ProfileForm, TwoFactorForm, UnitLoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = UnitLoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # Password accepted; administrators and operators still owe their second factor.
        url = super().get_success_url()
        if needs_second_factor(self.request.user):
            return f"{reverse('accounts:two_factor')}?{urlencode({'next': url})}"
        return url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.session.pop(EXPIRED, None)
        return context


def _safe_next(request, default: str = "/") -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default


def _second_factor_done(request, device):
    django_otp.login(request, device)
    # A new session id for the raised privilege, as at sign-in (session fixation).
    request.session.cycle_key()


def _throttled(user, *, confirmed: bool) -> str:
    # django-otp waits 1, 2, 4, 8 … seconds after each wrong code; say so once it matters.
    wait = second_factor_wait(user, confirmed=confirmed)
    if wait > 2:
        return _("Too many wrong codes: try again in %(s)d seconds (错误次数过多，请%(s)d秒后再试).") % {"s": wait}
    return ""


@login_required
def two_factor(request):
    """Sign-in step two: the code from the authenticator app."""
    if second_factor_verified(request.user):
        return redirect(_safe_next(request))
    if not has_confirmed_device(request.user):
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            _second_factor_done(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _throttled(request.user, confirmed=True) or _(
            "The code is wrong or was already used; wait for the next one (验证码错误或已使用，请等待下一个验证码)."))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _safe_next(request)})


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code, confirm with its first code."""
    if has_confirmed_device(request.user):
        # Adding a device needs the existing one first; a lost phone is reset by the
        # district security administrator.
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': _safe_next(request)})}")
    device = totp_device_pending(user=request.user)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrol_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):
            _second_factor_done(request, device)
            messages.success(request, _("Two-factor sign-in is set up."))
            return redirect(_safe_next(request))
        form.add_error("token", _throttled(request.user, confirmed=False) or _(
            "The code does not match; check the phone's clock and try the next code "
            "(验证码不匹配，请检查手机时间后重试)."))
    qr = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=16)
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "next": _safe_next(request), "qr_svg": qr.to_string(encoding="unicode"),
        "secret": b32encode(device.bin_key).decode(), "issuer": settings.OTP_TOTP_ISSUER,
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = bool(self.request.GET.get("expired"))
        context["max_age_days"] = security_policy().max_age_days
        return context

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password_changed_at"])
        audit_record(action="auth.password_change", actor=user, obj=user)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = {f: getattr(request.user.__class__.objects.get(pk=request.user.pk), f) for f in form.fields}
            user = form.save()
            audit_record(action="user.update", actor=user, obj=user, before=before,
                         after={f: getattr(user, f) for f in form.fields})
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})

