"""The documentation site's source. Its Python is the generator of the reference tables
(:mod:`docs.tables`): part of the repository, never of the installed package."""
