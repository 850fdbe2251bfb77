"""The material kinds (:class:`~rewards.applications.models.AttachmentKind`) named for the page
that shows them. The model's own labels (身份证（正反面）, 等级证书) are the upload form's; these two
differ only in the certificate's name, and each page keeps its own.

``MATERIAL_LABELS_FULL`` is the reviewer's: the materials a return may ask to upload again
(需重新上传), in the decision form's order; :mod:`rewards.review.services` checks a decision's
``materials`` against its keys. ``MATERIAL_LABELS_SHORT`` is the worker's edit page's, where the
word is followed by what it is (原来上传的证书照片).
"""

from __future__ import annotations

from .models import AttachmentKind

#: The reviewer's words (技能等级证书), in the decision form's order.
MATERIAL_LABELS_FULL = {AttachmentKind.ID_CARD: "身份证", AttachmentKind.CERTIFICATE: "技能等级证书", AttachmentKind.BANK_CARD: "银行卡"}
#: The worker's short words (证书): "原来上传的身份证照片".
MATERIAL_LABELS_SHORT = {AttachmentKind.ID_CARD: "身份证", AttachmentKind.CERTIFICATE: "证书", AttachmentKind.BANK_CARD: "银行卡"}
