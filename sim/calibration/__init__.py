"""Bring your own centre: fit a scenario from a call log and backtest it (``sim.calibration.calibrate``)."""

from sim.calibration.pipeline import Calibration, calibrate

__all__ = ["Calibration", "calibrate"]
