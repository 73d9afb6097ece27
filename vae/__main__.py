"""`python -m vae`: the command-line trainer (see vae/cli.py, or `python -m vae --help`)."""

import sys

from vae.cli import main

sys.exit(main())
