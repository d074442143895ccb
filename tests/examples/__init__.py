"""Example notebooks, executed headless."""
