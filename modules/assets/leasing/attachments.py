"""The signed contract text, attached to a lending/renting contract and filed with the bureau."""
from zhengtong.files.uses import AttachmentUse, register_use

CONTRACT_TEXT = register_use(AttachmentUse(
    key="assets.lease_contract", model="assets_leasing.LeaseContract", label_zh="合同文本",
    label_en="Contract text", types=("pdf", "ofd", "jpg", "png"),
))
