"""What people read: the terminal report, the 校验报告 rows, mail bodies, the statistics sheet."""
