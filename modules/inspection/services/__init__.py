"""Every write of the inspection module: keyword-only, atomic, audited.

register: the taxpayer register, filings, benchmarks, regulation library.
cases:    a case from selection to closure, with the separation of duties.
changes:  maker-checker on data of a submitted stage.
"""
from .cases import *  # noqa: F401,F403
from .changes import change_request_submit  # noqa: F401
from .common import Refused  # noqa: F401
from .register import *  # noqa: F401,F403
