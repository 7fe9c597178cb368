"""Signing in: the brute-force lock-out and the API's expiring tokens (wiring around
django-axes and django-rest-knox; no models of its own)."""
