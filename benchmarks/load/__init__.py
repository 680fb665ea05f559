"""`make bench-load`: Locust against `manage.py serve` on the scale seed (see run.py)."""
