"""Service errors the emulator answers with: Cognito's exact ``__type`` names and statuses."""

from __future__ import annotations


class ServiceError(Exception):
    """An error answered as ``{"__type": name, "message": message}`` with ``status``."""

    def __init__(self, name: str, message: str, status: int = 400) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.status = status


def not_authorized(message: str = "Incorrect username or password.") -> ServiceError:
    """NotAuthorizedException (wrong password, bad token, disabled flow...)."""
    return ServiceError("NotAuthorizedException", message)


def invalid_parameter(message: str) -> ServiceError:
    """InvalidParameterException."""
    return ServiceError("InvalidParameterException", message)


def resource_not_found(message: str) -> ServiceError:
    """ResourceNotFoundException."""
    return ServiceError("ResourceNotFoundException", message)


def user_not_found() -> ServiceError:
    """UserNotFoundException with Cognito's message."""
    return ServiceError("UserNotFoundException", "User does not exist.")


def code_mismatch() -> ServiceError:
    """CodeMismatchException with Cognito's message."""
    return ServiceError("CodeMismatchException", "Invalid code provided, please try again.")


def expired_code() -> ServiceError:
    """ExpiredCodeException with Cognito's message."""
    return ServiceError(
        "ExpiredCodeException", "Invalid code provided, please request a code again."
    )


def serialization(message: str) -> ServiceError:
    """SerializationException: the body is not the JSON the operation expects."""
    return ServiceError("SerializationException", message)


def internal(message: str = "Internal server error") -> ServiceError:
    """InternalErrorException (500)."""
    return ServiceError("InternalErrorException", message, 500)
