"""python -m complaints.synthetic: regenerate the shipped synthetic extracts."""

import sys

from .generate import main

sys.exit(main())
