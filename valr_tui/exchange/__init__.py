"""Speaks VALR: decimals, signing, rate limiting, REST and WS clients, typed models.

No Textual and no SQL in here.
"""
