# The account portal's Python. /cognito-auth.js runs this <script type="py-auth"> in its Web
# Worker; the portal itself is amazon_cognito_identity.web.portal (components of the SDK).
from amazon_cognito_identity.web import account_rpc, worker
from amazon_cognito_identity.web.portal import start_portal

app = worker.current_app()
portal = await start_portal("/config.json", storage=app.storage if app else None)  # noqa: F704
if app is not None:
    # window.portal.call(...) reaches the same pool: interop tests, scripts on the page.
    account_rpc.install(app, portal.pool)
