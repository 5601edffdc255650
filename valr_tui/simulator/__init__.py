"""A VALR-compatible exchange on loopback (REST + WS), for demo mode, tests and trying the app."""
