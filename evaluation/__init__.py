"""Evaluation harnesses and labelled sets: run from the repository, never installed."""
