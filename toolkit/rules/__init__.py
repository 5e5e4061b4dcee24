"""Pure rules over cases: validation, routing, calendar, deadlines, flags, repeats."""
