"""Bring your own centre: fit a scenario from a call log and backtest it (``sim.calibrate.calibrate``)."""

from sim.calibrate.calibration import Calibration, calibrate

__all__ = ["Calibration", "calibrate"]
