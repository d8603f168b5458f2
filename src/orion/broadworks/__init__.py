"""BroadWorks over OCI-P: Orion's batching client and the emulator it is tested against.

Import the client from here; the emulator lives in ``orion.broadworks.emulator``.
"""

from __future__ import annotations

from broadworks_ocip.base import Null

from orion.broadworks.client import (
    BroadWorksClient,
    OCIExchange,
    OCIResult,
    ocip_request,
)
from orion.broadworks.config import BroadWorksConfig
from orion.broadworks.exceptions import (
    OCIAlreadyExists,
    OCIAuthenticationError,
    OCIConflict,
    OCIConnectionError,
    OCIError,
    OCIInvalidRequest,
    OCINotFound,
    OCIProtocolError,
    OCISessionError,
    OCITimeout,
    OCITransientError,
    OCIValidationError,
)
from orion.broadworks.pool import BroadWorksPool

#: ``xsi:nil`` for a field of a Modify request: remove the value
#: (``ocip_request("UserModifyRequest17sp4", user_id=..., phone_number=NIL)``).
NIL = Null

__all__ = [
    "NIL",
    "BroadWorksClient",
    "BroadWorksConfig",
    "BroadWorksPool",
    "OCIAlreadyExists",
    "OCIAuthenticationError",
    "OCIConflict",
    "OCIConnectionError",
    "OCIError",
    "OCIExchange",
    "OCIInvalidRequest",
    "OCINotFound",
    "OCIProtocolError",
    "OCIResult",
    "OCISessionError",
    "OCITimeout",
    "OCITransientError",
    "OCIValidationError",
    "ocip_request",
]
