"""Reports: render the outputs of genmon's commands into one HTML document."""

from .collect import STEPS, collect_run
from .render import TIMESTAMP_PREFIX, render_report, write_report

__all__ = ["STEPS", "TIMESTAMP_PREFIX", "collect_run", "render_report", "write_report"]
