"""Renderers: each is a function from a plan to text."""
