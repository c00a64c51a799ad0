"""tests/testkit: the testing kit (pytest plugin, CLI, Playwright helpers, packaging).

sample_project/ and js_project/ are a user's projects: they run in their own environments
(test_clean_venv.py, test_cli.py), not as part of this suite.
"""

collect_ignore = ["sample_project", "js_project"]
