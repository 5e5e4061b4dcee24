"""Complaint toolkit: validate, route and track a customer-complaint register kept in Excel."""

from __future__ import annotations

__version__ = "0.1.0"
