"""mediamon command-line application."""
