import json


def test_signed_in_page(cognito_signed_in_page, user_pool, cognito_user, base_url):
    page = cognito_signed_in_page
    config = json.dumps(user_pool.config())
    page.route("**/config.json", lambda route: route.fulfill(body=config))
    page.goto(base_url + "/")
    who = page.locator("#who")
    who.filter(has_text="Hello").wait_for()
    assert who.text_content() == f"Hello {cognito_user.username} ({cognito_user.email})"


def test_signed_out_page(page, user_pool, base_url):
    config = json.dumps(user_pool.config())
    page.route("**/config.json", lambda route: route.fulfill(body=config))
    page.goto(base_url + "/")
    page.locator("#who", has_text="Signed out").wait_for()
