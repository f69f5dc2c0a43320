"""What can be attached to staff records and moves (see zhengtong.files.uses). Downloads need
the model-level view permission (HR, unit leader): a staff photo or a move's documents are
not shown to department heads or to the person through this route."""
from zhengtong.files.uses import AttachmentUse, register_use

PHOTO = register_use(AttachmentUse(
    key="personnel.photo", model="personnel.Person", label_zh="照片", label_en="Photo",
    types=("jpg", "png"), max_bytes=5 * 1024 * 1024,
))
TRANSFER_DOCUMENT = register_use(AttachmentUse(
    key="personnel.transfer_document", model="personnel.Transfer", label_zh="调配材料",
    label_en="Documents of the move", types=("pdf", "ofd", "jpg", "png"),
))
