"""A local Cognito User Pools emulator with real password, code, TOTP and device checks.

It ships in the ``amazon-cognito-identity`` distribution; its server libraries come with the
``emulator`` extra (``pip install "amazon-cognito-identity[emulator]"``). Importing it without
them raises one ``ModuleNotFoundError`` that names the extra.
"""

import sys as _sys
from importlib.util import find_spec as _find_spec

__version__ = "0.1.0"

# The import names of what the `emulator` extra installs and the server needs at import time.
SERVER_LIBRARIES = ("uvicorn", "cryptography", "jwt", "pyotp")
EXTRA_HINT = 'pip install "amazon-cognito-identity[emulator]"'

_missing = [name for name in SERVER_LIBRARIES if _find_spec(name) is None]
if _missing:
    _message = (
        f"cognito_emulator needs its server libraries ({', '.join(_missing)} missing): {EXTRA_HINT}"
    )
    if _sys.argv[:1] == ["-m"]:  # `python -m cognito_emulator`: the line, no traceback
        raise SystemExit(_message)
    raise ModuleNotFoundError(_message, name=_missing[0])
