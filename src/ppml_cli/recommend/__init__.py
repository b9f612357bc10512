"""``ppml recommend``: from a practitioner's situation to a plan.

The engine (:mod:`.engine`) is pure: it takes the catalog index, the advice
rules (:mod:`.rules`, loaded from YAML) and a situation, and returns a
:class:`~ppml_cli.recommend.plan.Plan`. It never prints and never imports
Typer or Rich; the CLI asks the questions and a renderer shows the plan.
Nothing is imported here, so that loading the plan type stays cheap.
"""
