"""The 1159 Finance wire format: every assumed path, header, field, status and error code.

Only part of the agency's documentation is known (see docs and FINANCE1159-API.md); whatever is
assumed lives in this package so that it can be corrected in one place. Client and sandbox both
speak through it, as `from core.finance1159 import wire` and `wire.NAME`:

    protocol  headers, paths, paging limits, envelope keys
    codes     error codes, case statuses, fee types, payment sources
    objects   the typed objects (DebtorIn, ClaimIn, Case, Payment, pages …)
    codec     JSON bytes to objects and back (amounts as Decimal, never float)
"""

from __future__ import annotations

from core.finance1159.wire.codec import *  # noqa: F403
from core.finance1159.wire.codec import __all__ as _codec
from core.finance1159.wire.codes import *  # noqa: F403
from core.finance1159.wire.codes import __all__ as _codes
from core.finance1159.wire.objects import *  # noqa: F403
from core.finance1159.wire.objects import __all__ as _objects
from core.finance1159.wire.protocol import *  # noqa: F403
from core.finance1159.wire.protocol import __all__ as _protocol

__all__ = [*_protocol, *_codes, *_objects, *_codec]
