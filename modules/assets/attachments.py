"""What can be attached to an asset card (see zhengtong.files.uses)."""
from zhengtong.files.uses import AttachmentUse, register_use

# Purchase invoices come as PDF, OFD (electronic invoices) or a scan/photo of the paper.
INVOICE = register_use(AttachmentUse(
    key="assets.invoice", model="assets.Asset", label_zh="发票", label_en="Invoices",
    types=("pdf", "ofd", "jpg", "png"),
))
PHOTO = register_use(AttachmentUse(
    key="assets.photo", model="assets.Asset", label_zh="实物照片", label_en="Photos",
    types=("jpg", "png"), max_bytes=10 * 1024 * 1024,
))
# 技术鉴定: the technical appraisal behind a scrap or loss write-off (the types that need one are the
# rule ``disposal_appraisal_required_for``); a signed report, scanned or as PDF/OFD.
APPRAISAL = register_use(AttachmentUse(
    key="assets.appraisal", model="assets.Asset", label_zh="技术鉴定报告", label_en="Technical appraisal",
    types=("pdf", "ofd", "jpg", "png"),
))
