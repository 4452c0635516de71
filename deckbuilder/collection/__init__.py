"""Anki access: the only package that imports ``anki``. It finds, checks, copies, backs up and opens
collections, imports packages into them and reads notes out of them; it knows no command."""
