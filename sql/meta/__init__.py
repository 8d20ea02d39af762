"""Tables filled from Python: sources, runs, validation, publication."""
