"""What can be attached in the inspection module (see zhengtong.files.uses): scans and
documents of evidence, on the working paper they support.

zhengtong.files checks "inspection.change_workingpaper" on the paper before an upload and
"inspection.view_workingpaper" before a download. Those object permissions follow the
case (services.cases.sync_case_grants): its cleared inspectors may add files only while
the inspection is open — once the report is co-signed the evidence is frozen like the
rest of the stage — and the case's reviewers and executors may read them.
"""
from zhengtong.files.uses import AttachmentUse, register_use

EVIDENCE = register_use(AttachmentUse(
    key="inspection.evidence", model="inspection.WorkingPaper", label_zh="证据材料", label_en="Evidence files",
    types=("pdf", "ofd", "jpg", "png", "docx", "xlsx"), max_files=50,
))
