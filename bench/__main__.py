"""`python -m bench`: see bench/pipeline.py."""

import sys

from bench.pipeline import main

sys.exit(main())
