"""Incident Cockpit: the core (events, fold, policy, grammar, store) with no Textual import."""

__version__ = "0.1.0"
