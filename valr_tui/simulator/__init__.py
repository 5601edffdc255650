"""A VALR-compatible exchange on loopback (REST + WS) for demo mode, tests and trying the app.

``SimulatorServer`` (server.py) serves VALR's paths over a pure-Python ``SimExchange``
(exchange.py); faults are injected through ``/_sim/`` or ``SimExchange.inject_fault``.
"""
