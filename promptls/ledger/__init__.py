"""The usage ledger: one SQLite row per run of a prompt, one per attempt at a model.

Kept in `<user data dir>/promptls/ledger.sqlite3`, or the file `$PROMPTLS_LEDGER` names. Every run
keeps its raw usage and the prices it was costed with (per million tokens, and the catalog date they
came from), so a cost can be recomputed; a cost is NULL when a price was unknown, never 0.

One module per job:

    schema.py    the numbered migrations, and `open_ledger()`: the one place that connects and migrates
    record.py    `Ledger`: writing a run as it starts, each attempt, and its end (no key is ever stored)
    queries.py   reading: runs, totals, the summaries `promptls costs` prints
    budgets.py   this month's and today's spend against `[budget]`
    times.py     how times are stored (UTC text) and days counted (the user's local calendar)

What the rest of promptls opens the ledger with is here: `open_ledger`, `ledger_path`, `LedgerError`.
`sqlite3` is imported only when a ledger is opened.
"""

from promptls.ledger.schema import LedgerError, ledger_path, open_ledger

__all__ = ["LedgerError", "ledger_path", "open_ledger"]
