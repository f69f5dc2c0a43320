from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.services import invitation_accept, invitation_lookup
from tenants.urls_util import unit_url
from zhengtong.audit.services import audit_record

from .forms import InvitationAcceptForm, ProfileForm, UnitLoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = UnitLoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

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


def invitation(request, token):
    inv = invitation_lookup(token)
    if inv is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None, initial={"name": inv.name})
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, name=form.cleaned_data["name"], password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Welcome! Sign in with your email and new password."))
            return redirect(unit_url(inv.unit, "/accounts/login/"))
    return render(request, "accounts/invitation.html", {"form": form, "invitation": inv})
