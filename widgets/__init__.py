"""Reusable Textual widgets: they render what they are given and post Messages.

They never open the store; screens hand them data.
"""
