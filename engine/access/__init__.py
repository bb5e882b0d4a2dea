"""Who may do and see what: the org tree, users and their roles (`org.py`), accounts,
passwords and tokens (`accounts.py`), and what each user may see (`visibility.py`)."""
