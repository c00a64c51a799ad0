"""A user pool's password policy as rules a form can check while the user types.

Cognito only reports the first broken rule, after a round trip. A page that knows the pool's
``PasswordPolicyType`` (the ``Policies.PasswordPolicy`` of ``DescribeUserPool``, which a
page's config can carry since the call itself needs AWS credentials) shows every rule beside
the new-password field and ticks each one off as it is met::

    policy = PasswordPolicy.from_config({"MinimumLength": 10, "RequireSymbols": False})
    for check in policy.check("Passw0rd"):
        print(check.rule.label, check.met)   # "At least 10 characters" False, ...
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SYMBOLS", "PasswordPolicy", "Rule", "RuleCheck"]

#: The characters Cognito counts as symbols (the developer guide's list, space included).
SYMBOLS = frozenset("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


@dataclass(frozen=True)
class Rule:
    """One requirement: ``key`` is stable (for tests and translations), ``label`` is shown."""

    key: str
    label: str
    test: Callable[[str], bool]


@dataclass(frozen=True)
class RuleCheck:
    """A rule and whether a given password meets it."""

    rule: Rule
    met: bool


def _has(chars: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda password: any(chars(c) for c in password)


@dataclass(frozen=True)
class PasswordPolicy:
    """Cognito's ``PasswordPolicyType``; the defaults are a new pool's defaults."""

    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | None) -> PasswordPolicy:
        """From a ``PasswordPolicyType`` mapping (missing keys keep Cognito's defaults)."""
        data = data or {}
        base = cls()
        return cls(
            minimum_length=int(data.get("MinimumLength", base.minimum_length)),
            require_uppercase=bool(data.get("RequireUppercase", base.require_uppercase)),
            require_lowercase=bool(data.get("RequireLowercase", base.require_lowercase)),
            require_numbers=bool(data.get("RequireNumbers", base.require_numbers)),
            require_symbols=bool(data.get("RequireSymbols", base.require_symbols)),
        )

    def rules(self) -> tuple[Rule, ...]:
        """The rules of this policy, in the order Cognito checks them."""
        rules = [
            Rule(
                "length",
                f"At least {self.minimum_length} characters",
                lambda p: len(p) >= self.minimum_length,
            )
        ]
        if self.require_lowercase:
            rules.append(Rule("lowercase", "A lowercase letter", _has(str.islower)))
        if self.require_uppercase:
            rules.append(Rule("uppercase", "An uppercase letter", _has(str.isupper)))
        if self.require_numbers:
            rules.append(Rule("number", "A number", _has(lambda c: c in string.digits)))
        if self.require_symbols:
            rules.append(Rule("symbol", "A symbol such as ! or -", _has(SYMBOLS.__contains__)))
        return tuple(rules)

    def check(self, password: str) -> tuple[RuleCheck, ...]:
        """Each rule with whether ``password`` meets it."""
        return tuple(RuleCheck(rule, rule.test(password)) for rule in self.rules())

    def accepts(self, password: str) -> bool:
        """True when ``password`` meets every rule."""
        return all(c.met for c in self.check(password))
