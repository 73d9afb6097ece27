"""`python -m vae`: the command-line trainer (see vae/cli.py, or `python -m vae --help`)."""

import sys

from vae.cli import main, serve_warm

# `--warm`: a warm trainer waiting for its training (vae/workers/warm.py); else a training.
sys.exit(serve_warm(sys.argv[2:]) if sys.argv[1:2] == ["--warm"] else main())
