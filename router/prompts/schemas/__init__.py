"""Each harness's frontmatter keys as data, with the documentation page each table was taken from.

One module per harness (`claude`, `copilot`, `skills`, ...), each with `SOURCES`: the pages read and the
date they were checked. `promptls.router.prompts.keyspec` maps dialects to these tables.
"""
