"""The commands: check, build, diff and serve, each composed from the stages below."""
