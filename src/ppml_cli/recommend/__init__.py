"""``ppml recommend``: from a practitioner's situation to a plan.

The engine (:mod:`.engine`) is pure: it takes the catalog index, the advice
rules (:mod:`.rules`, loaded from YAML) and a situation, and returns a
:class:`~ppml_cli.recommend.plan.Plan`. It never prints and never imports
Typer or Rich; the CLI asks the questions and a renderer shows the plan.
Nothing is imported here, so that loading the plan type stays cheap.

The public core, for any program that plans (a static site built from every combination of
answers, a notebook):

* :data:`.rules.QUESTIONS`: each question's id, option, help and shape (several answers, a
  yes/no switch, answers from the catalog's frameworks or threats), in the interview's order;
* :func:`.rules.load_advice` ``().questions``: the same questions with their prompt, default
  and answers (value, label, aliases), merged from the rules files;
* :meth:`.engine.Situation.of` (``deploy="on-device", data="text"``) and
  :func:`.engine.recommend` ``(index, advice, situation)`` -> :class:`.plan.Plan`, whose
  ``to_data()`` is the documented JSON; :func:`.engine.choose` reads one typed answer as the
  options do, and :func:`.engine.valid_answers` lists what a question accepts.
"""
