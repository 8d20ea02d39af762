"""Stage 4, publish: stamp the build, swap it in, history, run records, what changed."""
