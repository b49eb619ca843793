"""Prompt files: dialects, frontmatter with spans, each dialect's keys, run parameters, messages."""
