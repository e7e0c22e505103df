"""Presentation shared by the CLI, the app and reports: one formatter, the data dictionary, terminal rendering.

Presentation only formats tables the run layer produced; it computes no figure of its own.
"""
