"""Jobs: each reads the workbook, runs the pure rules and hands a plan to the writer."""
