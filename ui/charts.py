"""The app's figures are the report's: the builders live in ``sim.present.charts`` (one copy).

This name stays so the pages keep ``from ui import charts``.
"""

from sim.present.charts import *  # noqa: F401,F403
from sim.present.charts import __all__  # noqa: F401
