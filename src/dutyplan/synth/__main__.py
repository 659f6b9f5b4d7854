"""python -m dutyplan.synth: write a synthetic district or city (see dutyplan.synth.command)."""

import sys

from dutyplan.synth.command import main

sys.exit(main())
