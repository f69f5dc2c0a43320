"""Pages of the inspection module, one file per feature. Thin: membership is checked by the
middleware (404 for non-members), the module gate by the registry, roles and object
permissions here through the selectors, and every rule of the work itself by the services.

- register.py     — taxpayers and filings, industry benchmarks, the regulation library;
- ranking.py      — case selection (选案): the ranking, its export, selecting, manual cases;
- cases.py        — the case list and a case's page (stages, amounts, documents, timeline);
- case_actions.py — the actions taken on a case's page, and generating its documents;
- supervision.py  — the chief's dashboard and the module's entry page.
"""
from .case_actions import case_action, case_document
from .cases import case_detail, case_list
from .ranking import candidate_select, candidates, candidates_export, case_manual
from .register import (
    benchmark_list,
    benchmarks_import,
    entity_create,
    entity_detail,
    entity_list,
    filings_import,
    filings_template,
    regulation_create,
    regulation_detail,
    regulation_list,
)
from .supervision import dashboard, home

__all__ = [
    "benchmark_list", "benchmarks_import", "candidate_select", "candidates", "candidates_export", "case_action",
    "case_detail", "case_document", "case_list", "case_manual", "dashboard", "entity_create", "entity_detail",
    "entity_list", "filings_import", "filings_template", "home", "regulation_create", "regulation_detail",
    "regulation_list",
]
