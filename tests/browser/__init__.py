"""Browser tests of the field app (see docs/testing.md)."""
