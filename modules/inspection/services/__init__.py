"""Every write of the inspection module: keyword-only, atomic, audited.

register.py:    the taxpayer register, filings, benchmarks, regulation library.
transitions.py: who may take which action on a case and when — one guard per action, the
                separation of duties; the services call the guards, the case page asks them.
cases.py:       a case opened (ranking or by hand), the people on it, suspension and
                withdrawal, its documents.
stages.py:      the work of inspection, review and execution, and closing.
changes.py:     maker-checker on data of a submitted stage.
deadlines.py:   overdue warnings of steps and payments.
"""
from .cases import (
    case_assign,
    case_document_request,
    case_open_manual,
    case_resume,
    case_select,
    case_suspend,
    case_withdraw,
    conflict_declare,
)
from .changes import change_request_submit
from .deadlines import overdue_warnings_issue
from .register import (
    benchmark_compute,
    benchmarks_import,
    entity_register,
    entity_update,
    filing_save,
    filings_import,
    import_template,
    regulation_add,
    regulation_update,
)
from .stages import (
    case_close,
    evidence_add,
    finding_add,
    finding_update,
    measure_record,
    paper_add,
    payment_record,
    report_cosign,
    report_submit,
    review_decide,
    review_return,
)

__all__ = [
    "benchmark_compute", "benchmarks_import", "case_assign", "case_close", "case_document_request",
    "case_open_manual", "case_resume", "case_select", "case_suspend", "case_withdraw", "change_request_submit",
    "conflict_declare", "entity_register", "entity_update", "evidence_add", "filing_save", "filings_import",
    "finding_add", "finding_update", "import_template", "measure_record", "overdue_warnings_issue", "paper_add",
    "payment_record", "regulation_add", "regulation_update", "report_cosign", "report_submit", "review_decide",
    "review_return",
]
