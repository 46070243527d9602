"""Fieldbook's sync engine: plain Python and SQLAlchemy Core, no Flask.

``server/`` adapts it to HTTP; ``sync.client`` is the reference client that speaks the
protocol described in ``docs/sync-protocol.md``.
"""
