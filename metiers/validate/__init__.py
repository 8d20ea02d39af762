"""Stage 2, validate: the suites' rules on staged files and on the marts; the intake of one raw
file (ingest, then validate) and the quarantine of a bad one; what an unchanged file skips."""
