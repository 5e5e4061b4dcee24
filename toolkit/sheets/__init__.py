"""Workbook I/O: the fast reader, the lossless writer and the open-in-Excel checks."""
