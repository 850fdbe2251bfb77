"""What every SMS transport offers: ``send(sms) -> provider message id`` or ``TransportError``."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


class TransportError(Exception):
    """The gateway did not take the message.

    ``message`` is stored in the outbox and logged, so it never holds the phone number or the
    text; ``permanent`` says that retrying cannot help (an invalid number, a refused template).
    """

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingSms:
    """One message as a transport sees it."""

    to: str  # the 11-digit mobile number
    text: str
    template: str
    params: dict[str, str] = field(default_factory=dict)
    reference: str = ""  # our outbox id, echoed by gateways that keep one


class Transport(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def send(self, sms: OutgoingSms) -> str:
        """Hands the message to the gateway; returns its message id ("" when it has none)."""
