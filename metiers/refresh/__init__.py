"""The refresh: the one sequence of stages, how each runs, which Prefect server it uses."""
