"""Textual screens: compose widgets, own key bindings, call cockpit services."""
