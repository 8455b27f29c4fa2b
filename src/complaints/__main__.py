"""`python -m complaints`: the same as the `complaints` command."""

import sys

from .cli import main

sys.exit(main())
