"""What the server loads when it starts: pandas (some 80 MB and 0.4 s) only with the first
attendance export, never with the server."""

from __future__ import annotations

import subprocess
import sys


def test_the_server_extension_should_not_load_pandas_until_an_export_needs_it():
    code = (
        "import sys, jupyter_studysession.app; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
