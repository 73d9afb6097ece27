"""`python -m vae.train --dataset mnist --arch dense --epochs 30 ...`: train from the command line.

Only an entry point: the code is in vae/cli.py. Do not import this module; in Python,
`vae.train(config, data)` is the library function.
"""

import sys

from vae.cli import main

if __name__ == "__main__":
    sys.exit(main())
