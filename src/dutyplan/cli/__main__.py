"""python -m dutyplan.cli: the dutyplan command."""

import sys

from dutyplan.cli.program import main

sys.exit(main())
