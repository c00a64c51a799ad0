"""amazon-cognito-identity: a pure-Python port of amazon-cognito-identity-js."""

__version__ = "0.1.0"

__all__ = ["__version__"]
