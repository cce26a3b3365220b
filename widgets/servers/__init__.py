"""Voila server configuration for the forms server and the office server (DESIGN.md §8)."""
