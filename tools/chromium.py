"""How every part of the project starts Chromium: Debian's binary and one set of flags.

Used by the test harness (``tests/conftest.py``), ``tools/measure_web.py`` and the benchmark
(``bench/browser.py``), so tests, measurements and benchmarks run the same browser the same way.
"""

from __future__ import annotations

from pathlib import Path

#: Debian's Chromium (`apt-get install chromium`); `playwright install` cannot download here.
CHROMIUM = Path("/usr/bin/chromium")

#: Headless, as root, and quiet on the network: without the background-networking flags
#: Chromium keeps trying (and failing) to reach Google's hosts from a closed machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
