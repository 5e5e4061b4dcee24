"""Building the .xlsm VBA project (vbaProject.bin) from the .bas sources kept as text."""
