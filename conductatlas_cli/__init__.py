"""ConductAtlas CLI: a git-backed archive of AI platforms' policy documents."""

__version__ = "0.1.0"
