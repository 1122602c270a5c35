"""Recipes as turns: every recipe-based command (ask, write, run) and the chat's /save.

Precedence for generation settings: the command-line flag, then the
recipe's own field, then the settings/backend default. ``-s`` replaces the
recipe's system prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_cli.session.options import TaskOptions
from aigc_cli.session.request import Continuation, TurnRequest, TurnResult
from aigc_cli.session.turn import Repair, TextSink, run_turn

if TYPE_CHECKING:
    from aigc_cli.attachments.model import Loaded
    from aigc_cli.config import Settings
    from aigc_cli.recipes import Recipe, Rendered


def task_request(
    recipe: "Recipe",
    rendered: "Rendered",
    opts: TaskOptions,
    *,
    json_schema: dict[str, Any] | None = None,
    stream: bool | None = None,
    completion: str | None = None,
) -> TurnRequest:
    """The TurnRequest for a rendered recipe; ``completion`` is the recipe's text for
    base models (``recipes.render_completion``), used when the model is one. A
    ``-s`` system prompt is an instruction, so it keeps the chat framing."""
    from aigc_cli.messages import GenOptions

    options = GenOptions(
        model=opts.model or recipe.model,
        temperature=opts.temperature if opts.temperature is not None else recipe.temperature,
        max_tokens=opts.max_tokens or recipe.max_tokens,
        json_schema=json_schema if json_schema is not None else recipe.json_schema,
    )
    return TurnRequest(
        prompt=rendered.prompt,
        system=opts.system if opts.system is not None else rendered.system,
        recipe=recipe.name,
        backend=opts.backend or recipe.backend,
        model_path=opts.model_path,
        options=options,
        continue_last=opts.continue_last,
        cid=opts.cid,
        log=not opts.no_log,
        memory=not opts.no_memory,
        truncate=opts.truncate,
        stream=not opts.no_stream if stream is None else stream,
        kb=opts.kb,
        tools=opts.tools,
        no_tools=opts.no_tools,
        outside_input=opts.outside_input,
        tool_hooks=opts.tool_hooks,
        completion=_continuation(recipe, completion, opts) if opts.system is None else None,
    )


def _continuation(recipe: "Recipe", text: str | None, opts: TaskOptions) -> Continuation | None:
    if text is None or recipe.completion is None:
        return None
    c = recipe.completion
    temperature = c.temperature if opts.temperature is None else None
    return Continuation(text=text, stop=list(c.stop), max_tokens=c.max_tokens, temperature=temperature)


def render(recipe: "Recipe", values: Mapping[str, Any], user_input: str) -> "Rendered":
    """Type-check the values (usage error on a bad one) and fill the template."""
    from aigc_cli import recipes

    return recipes.render(recipe, recipes.check_values(recipe, values), user_input)


def completion_text(recipe: "Recipe", values: Mapping[str, Any], user_input: str) -> str | None:
    """The recipe's text for base models, or None (see ``recipes.render_completion``)."""
    from aigc_cli import recipes

    return recipes.render_completion(recipe, recipes.check_values(recipe, values), user_input)


def run_recipe(
    recipe: "Recipe",
    values: Mapping[str, Any],
    user_input: str,
    opts: TaskOptions,
    settings: "Settings",
    sink: TextSink | None = None,
    repair: Repair | None = None,
    json_schema: dict[str, Any] | None = None,
    title: str | None = None,
    attached: "Loaded | None" = None,
) -> TurnResult:
    """Render ``recipe`` around ``user_input`` and run it as one stored turn.

    ``attached``: attachments already loaded (summarize); else ``-a`` is loaded here.

    The history title is ``title`` (e.g. the files summarized), else the user's text.

    The recipe's own warnings (a needed value not set) come first among the
    result's notices.
    """
    from aigc_cli.session.attach import attach_to, load_for  # ATTACHMENTS (issue #22)

    loaded = attached if attached is not None else load_for(opts, settings)
    words = user_input
    user_input = loaded.wrap(user_input) if loaded is not None else user_input
    rendered = render(recipe, values, user_input)
    req = task_request(
        recipe, rendered, opts, json_schema=json_schema, completion=completion_text(recipe, values, user_input)
    )
    attach_to(req, loaded)
    req.kb_query = words if opts.kb else None  # retrieve for the user's words, not the template
    req.title = title or (words if words.strip() else None)  # the user's text, never the template's
    result = _run_checked(req, settings, sink, repair)
    result.notices[:0] = rendered.notices
    return result


def _run_checked(req: TurnRequest, settings: "Settings", sink: TextSink | None, repair: Repair | None) -> TurnResult:
    """A recipe with a JSON schema is validated and repaired once like `plan` (session/jsonout.py).

    Its answer is held back until it is valid, so an invalid first try never
    reaches stdout, and one still invalid after the repair prints nothing (exit 7).
    """
    schema = req.options.json_schema
    if repair is not None or schema is None or req.completion is not None:
        return run_turn(req, settings, sink, repair)
    from aigc_cli.session.jsonout import schema_repair

    result = run_turn(req, settings, None, schema_repair(schema))
    if result.error is None and sink is not None:
        sink(result.answer.text)
    return result


def run_ask(
    question: str, opts: TaskOptions, settings: "Settings", sink: TextSink | None = None, kb_query: str | None = None
) -> TurnResult:
    """`ask` is the ``ask`` recipe: the built-in sends the question as it is, with no
    system prompt; a user override of ``ask`` (e.g. a standing system prompt) applies
    to every ask."""
    from aigc_cli import recipes

    from aigc_cli.session.attach import attach_to, load_for  # ATTACHMENTS (issue #22)

    loaded = load_for(opts, settings)
    question = loaded.wrap(question) if loaded is not None else question
    recipe = recipes.get_recipe("ask")
    req = task_request(recipe, render(recipe, {}, question), opts, completion=completion_text(recipe, {}, question))
    attach_to(req, loaded)
    req.recipe = None  # a plain ask is stored as no recipe, as before recipes existed
    req.kb_query = kb_query  # --kb: retrieve for the question's words (not piped text)
    return run_turn(req, settings, sink)


def save_setup(
    name: str,
    *,
    origin: str,
    system: str | None,
    model: str | None,
    backend: str | None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    overwrite: bool = False,
) -> Path:
    """A setup (`ask --save`, chat `/save`) as a user recipe; returns its file.

    The system prompt is user text, so it is stored escaped (``recipes.literal``)
    and stays literal when the recipe runs.
    """
    from pydantic import ValidationError

    from aigc_cli import recipes
    from aigc_cli.errors import UsageError

    recipes.check_name(name)
    try:
        recipe = recipes.Recipe(
            name=name,
            description=f"saved from {origin}",
            system=recipes.literal(system) if system else None,
            model=model,
            backend=backend,
            temperature=temperature,
            max_tokens=max_tokens,
        )
    except ValidationError as exc:
        raise UsageError(f"cannot save {name!r}: {exc.errors()[0]['msg']}") from None
    return recipes.save_recipe(recipe, overwrite=overwrite)
