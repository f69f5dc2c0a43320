"""The approval engine: every state change of a request, each one atomic and audited.

Rules the engine enforces itself (a module cannot forget them):
- nobody decides on their own request, not even through a delegation;
- a step is decided only by someone holding its role in the right place — the request's
  unit for unit roles, the public schema for district roles — or by their delegate while
  the delegation is in force, or by the escalation role once the deadline has passed;
- separation of duties declared by the request type: whoever acted on step X may not act
  on step Y of the same request (also across rounds after a return);
- one vote per person on a committee step (N of M);
- two people deciding the same step at the same moment make exactly one transition: the
  request row is locked (SELECT … FOR UPDATE) before anything is read, and the loser is
  told who decided and when (``Conflict``).

A refusal is a ``Refused`` whose ``code`` names the rule; ``audited_refusal`` writes it to the
trail *after* the refused transaction has rolled back, so it survives.

All services run in the schema of the request's unit; the district portal switches to it
before calling them. One file per part of the engine:

- ``submit``     the requester's side: submit, withdraw, resubmit after a return
- ``decide``     deciding a step, who may (``decision_refusal`` for the page), remarks
- ``deadlines``  reminders, overdue notices, escalation (the periodic fan-out)
- ``chains``     a unit's own chain for a request type
- ``delegation`` time-boxed delegations of a role
- ``common``     links, the district's index of steps, notices, making and closing steps
"""
from ..chains import approval_types
from .chains import approval_chain_reset, approval_chain_update, can_edit_chain
from .common import DECISION_KINDS, DECISIONS, request_path, request_url
from .deadlines import deadlines_check
from .decide import approval_comment, approval_decide, decision_refusal
from .delegation import MAX_DELEGATION_DAYS, delegation_create, delegation_revoke
from .submit import approval_resubmit, approval_submit, approval_withdraw

__all__ = [
    "DECISIONS", "DECISION_KINDS", "MAX_DELEGATION_DAYS", "approval_chain_reset", "approval_chain_update",
    "approval_comment", "approval_decide", "approval_resubmit", "approval_submit", "approval_types",
    "approval_withdraw", "can_edit_chain", "deadlines_check", "decision_refusal", "delegation_create",
    "delegation_revoke", "request_path", "request_url",
]
