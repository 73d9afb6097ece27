"""`python -m vae.train` still runs the trainer, as earlier versions documented.

`vae.train` is the library's training function; importing this module would replace it on
the package, so it refuses to be imported. The command is `python -m vae`.
"""

if __name__ != "__main__":
    raise ImportError(
        "vae.train is the training function, not a module: call vae.train(config, data), "
        "and train from the command line with `python -m vae`."
    )

import sys  # noqa: E402

from vae.cli import main  # noqa: E402

sys.exit(main())
