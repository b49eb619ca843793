"""Resolution: which model runs a prompt and why, the run plan, the report of facts."""
