"""Every vae module imports, and the cache lock and the child's priority work, on a system
without fcntl and os.nice (Windows): checked in a fresh interpreter where both are absent."""

import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import os, pkgutil, sys, importlib
sys.modules["fcntl"] = None          # `import fcntl` now fails, as on Windows
del os.nice
import vae
names = [m.name for m in pkgutil.walk_packages(vae.__path__, "vae.") if m.name not in ("vae.train", "vae.__main__")]
for name in names:
    importlib.import_module(name)
from vae.store.cache import training_lock
from vae.cli import lower_priority
with training_lock(vae.TrainConfig(), "windows-check"):
    pass
lower_priority()
print("imported", len(names))
"""


def test_vae_works_without_fcntl_and_os_nice(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"VAE_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) >= 15
