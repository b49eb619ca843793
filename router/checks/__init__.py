"""Checks, grouped by area; each module defines its rules (with docs) beside the code raising them.

1xx `syntax` (file and YAML) and `keys` (known keys, types, values); 2xx `models` (model ids, the
catalog, parameters); 3xx `settings`; 4xx `cost`. `router.checks.lint` runs them.
"""
