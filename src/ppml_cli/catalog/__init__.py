"""Reading the catalog: which files a run reads, YAML to validated records, the editorial rules.

- :mod:`.files`: the files a run reads (bundled, ``PPML_CATALOG``, ``--catalog``) and reading
  them safely (regular files, a size cap). Imported on every run, so it imports no YAML.
- :mod:`.parse`: YAML to records, merged and validated, every problem located by file and line.
- :mod:`.loading`: the run's index, from the cache when the files are unchanged, else parsed.
- :mod:`.lint`: editorial rules beyond what loading needs (``ppml validate``).
- :mod:`.licenses`: the licence ids the catalog accepts.

Nothing here is imported by this package's ``__init__``: a warm run pays only for what it uses.
"""
