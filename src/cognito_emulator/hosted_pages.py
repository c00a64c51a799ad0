"""Server-rendered pages of the hosted UI: sign-in, challenge and error pages.

Every value that reaches the HTML goes through :func:`html.escape` (attributes quoted), the
pages carry no script, and a Content-Security-Policy forbids scripts and framing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

CHALLENGES = (
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "NEW_PASSWORD_REQUIRED",
)
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin-top:1rem}input,select{width:100%;padding:.5rem;font-size:1rem}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}"
    "[role=alert]{color:#a00;border:1px solid #a00;padding:.5rem}"
)
_MFA_LABELS = {
    "SMS_MFA": "Text message (SMS)",
    "SOFTWARE_TOKEN_MFA": "Authenticator app",
    "EMAIL_OTP": "Email",
}


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status, headers=_HEADERS)


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )


def _alert(error: str | None) -> str:
    return f'<p role="alert" id="error">{escape(error)}</p>' if error else ""


def error_page(message: str, status: int) -> HTMLResponse:
    """An error the user sees (nothing trustworthy to redirect to)."""
    return _page(
        "Something went wrong", f'<p role="alert" id="error">{escape(message)}</p>', status
    )


def login_page(
    *,
    action: str,
    hidden: Mapping[str, str],
    error: str | None,
    client_name: str,
    username: str = "",
) -> HTMLResponse:
    """The username and password form (after a refusal: the username kept, the password
    field focused, the reason in an alert)."""
    user_focus, password_focus = ("", " autofocus") if username else (" autofocus", "")
    body = (
        (f"<p>to continue to {escape(client_name)}</p>" if client_name else "")
        + _alert(error)
        + f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
        '<label for="username">Username</label>'
        f'<input id="username" name="username" autocomplete="username" required'
        f' value="{escape(username)}"{user_focus}>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password"'
        f" required{password_focus}>"
        '<button type="submit">Sign in</button></form>'
    )
    # A refusal is still a page the person reads (200): the browser would log a 4xx as an error.
    return _page("Sign in", body, 200)


def _challenge_inputs(challenge: str, parameters: Mapping[str, str]) -> tuple[str, str]:
    """(explanation, inputs) of one challenge."""
    if challenge == "SELECT_MFA_TYPE":
        try:
            choices = [str(c) for c in json.loads(parameters.get("MFAS_CAN_CHOOSE", "[]"))]
        except ValueError:
            choices = []
        options = "".join(
            f'<option value="{escape(c)}">{escape(_MFA_LABELS.get(c, c))}</option>' for c in choices
        )
        return (
            "Choose how to receive your sign-in code.",
            '<label for="mfa_type">Method</label>'
            f'<select id="mfa_type" name="mfa_type" autofocus>{options}</select>',
        )
    if challenge == "NEW_PASSWORD_REQUIRED":
        return (
            "Choose a new password.",
            '<label for="new_password">New password</label><input id="new_password"'
            ' name="new_password" type="password" autocomplete="new-password" required autofocus>',
        )
    destination = parameters.get("CODE_DELIVERY_DESTINATION")
    where = f" sent to {escape(destination)}" if destination else ""
    text = (
        "Enter the code from your authenticator app."
        if challenge == "SOFTWARE_TOKEN_MFA"
        else f"Enter the code{where}."
    )
    return (
        text,
        '<label for="code">Code</label><input id="code" name="code" inputmode="numeric"'
        ' autocomplete="one-time-code" required autofocus>',
    )


def challenge_page(
    *,
    action: str,
    hidden: Mapping[str, str],
    challenge: str,
    parameters: Mapping[str, str],
    error: str | None,
) -> HTMLResponse:
    """The next step of a sign-in (MFA code, MFA choice, new password)."""
    text, inputs = _challenge_inputs(challenge, parameters)
    body = (
        _alert(error)
        + f"<p>{text}</p>"
        + f'<form method="post" action="{escape(action)}">{_hidden(hidden)}{inputs}'
        '<button type="submit">Continue</button></form>'
    )
    return _page("Verify it's you", body, 200)
