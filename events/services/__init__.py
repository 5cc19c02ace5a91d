"""Writes of the domain: plain functions ``<entity>_<action>`` with keyword-only arguments.

Each checks permissions through events.rules, validates, writes in one transaction and
raises an events.errors.DomainError subclass when something is wrong.
"""
