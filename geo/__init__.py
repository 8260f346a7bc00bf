"""Hokkaido regional policy map: boundaries and plan → one immutable model → maps, pages, JSON."""

__version__ = "0.1.0"
