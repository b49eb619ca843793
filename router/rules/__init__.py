"""The rules: each check's code, name, severity and documentation, declared low enough that
the parser and the settings loader can raise them."""
