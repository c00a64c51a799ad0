"""A local Cognito User Pools emulator with real password, code, TOTP and device checks."""

__version__ = "0.1.0"
