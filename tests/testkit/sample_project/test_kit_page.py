"""The site kit (`python build.py kit site/auth`) on the project's own page, signed in."""


def test_kit_page_signed_in(cognito_signed_in_page, user_pool, cognito_user, base_url, page_config):
    page_config.update(user_pool.config())
    page = cognito_signed_in_page
    page.goto(base_url + "/kit.html")
    welcome = page.locator("#welcome", has_text=f"Welcome, {cognito_user.username}!")
    welcome.wait_for(timeout=90_000)
    assert cognito_user.username in page.locator("#login .cog-login-done").text_content()
    assert page.locator("#cog-login-password").count() == 0  # no sign-in form on the way
