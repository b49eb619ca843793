"""The pure core of promptls: model ids, prompt files, the catalog, settings, resolution, checks.

Nothing in this package touches the network, an SDK, an editor or a secret, and importing it stays
cheap: front ends call into it on every keystroke and every shell command.
"""
