"""valr-tui: a Textual terminal dashboard for trading on VALR."""

__version__ = "0.1.0"
