"""Reads of party life."""
