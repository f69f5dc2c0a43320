"""Create forms act once per submission.

A double click on "Register" sent two identical POSTs and made two asset cards. Every
create form carries a one-time token (``{% submission_token %}`` from the ``submission``
template library); views wrapped in ``once_per_submission`` act on a token once:

- the first POST runs the view; when it succeeds (answers with a redirect to what it
  created) the token is stored with that address;
- the same token again leads to that address with a message, without running the view;
- two POSTs arriving together are serialised on a PostgreSQL advisory lock on the token,
  so the second waits for the first and then finds its result;
- a POST that did not succeed (the form came back with errors) stores nothing: the
  corrected form is sent with the same token and acts.

Session-level advisory locks, not a transaction around the view: the view keeps its own
transactions (services commit and audit as they always do, refusals stay in the trail). This
relies on views running in autocommit (the project does not set ATOMIC_REQUESTS): the result
row is committed before the lock is released, so the waiting request finds it.
POSTs without a token (API clients, scripts, older pages) are handled as before.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.db import connection
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

FIELD = "submission_token"
KEEP = timedelta(days=1)
LOCK_SPACE = 0x5A54  # first key of pg_advisory_lock(int, int): the project's "form submission" locks


def new_token() -> str:
    return secrets.token_urlsafe(24)


def once_per_submission(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if len(token) > 64:
            return HttpResponseBadRequest()
        with _token_lock(token):
            earlier = _earlier_result(request, token)
            if earlier is not None:
                return earlier
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseRedirect):
                _remember(request, token, response["Location"])
            return response

    return wrapped


class _token_lock:
    def __init__(self, token: str):
        self.token = token

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [LOCK_SPACE, self.token])

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_SPACE, self.token])
        return False


def _earlier_result(request, token: str):
    from .models import FormSubmission

    done = FormSubmission.objects.filter(token=token).first()
    if done is None:
        return None
    if done.user_id != request.user.pk or done.schema_name != connection.schema_name:
        return HttpResponseBadRequest()  # someone else's token: never lead there
    messages.info(request, _("This form had already been sent, so it was not acted on again; here is what it "
                             "created (该表单已提交过，未重复处理；以下为第一次提交的结果)."))
    return HttpResponseRedirect(done.result_url)


def _remember(request, token: str, result_url: str) -> None:
    from .models import FormSubmission

    # Expired tokens of everyone go here (an index range on created_at): no periodic job needed.
    FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    FormSubmission.objects.create(token=token, user=request.user, schema_name=connection.schema_name,
                                  path=request.path[:300], result_url=result_url[:500])
