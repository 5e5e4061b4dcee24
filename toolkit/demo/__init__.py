"""The demo register: realistic complaints over 14 months with planted problems."""
