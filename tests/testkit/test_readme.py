"""README "Testing your app" shows the files the clean-venv and JS tests run, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)\n```", re.S)


def test_readme_examples_are_the_tested_files() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Testing your app", 1)[1].split("\n## ", 1)[0]
    shown = {m["path"]: m["body"] for m in BLOCK.finditer(section)}
    assert set(shown) == {
        "tests/testkit/sample_project/app.py",
        "tests/testkit/sample_project/test_backend.py",
        "tests/testkit/sample_project/test_page.py",
        "tests/testkit/js_project/pools.json",
        "tests/testkit/js_project/auth.test.cjs",
    }
    for path, body in shown.items():
        assert body == (ROOT / path).read_text().rstrip("\n"), path
