"""Coursepath as served: its fixtures in conftest.py, its plain helpers in helpers.py."""
