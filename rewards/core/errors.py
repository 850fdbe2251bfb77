"""Domain errors. Services raise them; the API turns them into the contract's shape
(``{"error": {"code", "message", "fields"}}``) and the pages into a Chinese message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid_input"
    default_message = "提交的内容有误。"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, fields: dict[str, list[str]] | None = None, **extra: Any
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra
        super().__init__(self.message)


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    default_message = "提交的内容有误，请按提示修改。"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "没有找到对应的记录。"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = "您的角色无权进行此操作。"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "当前状态不允许此操作。"


class Ineligible(DomainError):
    status = 422
    code = "ineligible"
    default_message = "不符合奖励条件。"


class StorageUnavailable(DomainError):
    """The server could not write a file (disk full, storage down): nothing was saved."""

    status = 503
    code = "storage_unavailable"
    default_message = "服务器暂时无法保存上传的材料，本次提交未保存，请稍后再试。"
