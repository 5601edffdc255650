"""Widgets of the main screen. Each renders a view dataclass; none talks to the network or SQL."""
