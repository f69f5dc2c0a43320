"""What can be attached in the equipment module (see zhengtong.files.uses)."""
from zhengtong.files.uses import AttachmentUse, register_use

# A photo of the fault, taken with the phone that scanned the device's QR label.
FAULT_PHOTO = register_use(AttachmentUse(
    key="equipment.fault_photo", model="equipment.RepairTicket", label_zh="故障照片", label_en="Fault photos",
    types=("jpg", "png"), max_bytes=10 * 1024 * 1024,
))
