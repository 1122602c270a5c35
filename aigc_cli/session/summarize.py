"""`summarize`: one turn when the input fits, map-reduce when it does not.

The map step sends independent requests straight to the backend (no
conversation, nothing stored), up to ``jobs`` at once where the backend
allows (``Backend.max_parallel``); only the final merge goes through
``run_turn`` and so is logged like any other turn. The progress display is
the caller's: ``progress`` opens a context that yields ``update(done, total)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from itertools import chain
from typing import TYPE_CHECKING, Any

from aigc_cli.session.options import TaskOptions
from aigc_cli.session.request import TurnResult
from aigc_cli.session.turn import TextSink, run_turn

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.session.mapreduce import Source, Summarizer

DEFAULT_JOBS = 4
Update = Callable[[int, "int | None"], None]
ProgressFactory = Callable[[], AbstractContextManager["Update | None"]]


def run_summarize(
    sources: list["Source"],
    values: Mapping[str, Any],
    opts: TaskOptions,
    settings: "Settings",
    *,
    jobs: int | None = None,
    sink: TextSink | None = None,
    progress: ProgressFactory | None = None,
) -> TurnResult:
    """Summarize ``sources`` with the ``summarize`` recipe (see the module doc)."""
    from aigc_cli import recipes
    from aigc_cli.session import mapreduce as sm
    from aigc_cli.errors import UsageError
    from aigc_cli.session.choose import as_completion, choose_model, continued, pick_backend
    from aigc_cli.session.attach import attach_to, for_summary  # ATTACHMENTS (issue #22)
    from aigc_cli.session.tasks import run_recipe, task_request

    opts, sources, attached = for_summary(opts, settings, sources)
    recipe = recipes.get_recipe("summarize")
    values = recipes.check_values(recipe, values)
    conv = continued(opts.continue_last, opts.cid)  # -c: map and merge on the conversation's backend
    backend = pick_backend(settings, opts.backend or recipe.backend, opts.model_path, conv)
    model = choose_model(settings, backend, opts.model or recipe.model, conv)

    def count(text: str) -> int:
        return backend.count_text(text, model)

    note = _jobs_note(jobs, backend.max_parallel, backend.name)
    framing = dict(system_given=opts.system is not None, continuing=conv is not None, kb=bool(opts.kb))
    if as_completion(backend, model, has_completion=recipe.completion is not None, **framing):
        return _noted(
            _summarize_completion(recipe, values, sources, opts, settings, backend, model, count, sink, progress), note
        )
    empty = recipes.render(recipe, values, "")
    system = opts.system if opts.system is not None else empty.system
    reserve = opts.max_tokens or recipe.max_tokens or settings.context.reserve_output
    budget = _part_budget(backend, model, settings, opts, system, empty.prompt, reserve)
    chunks = sm.split_by_tokens(sm.iter_sources(sources), budget, count)
    first, second = next(chunks, ""), next(chunks, None)
    if not first.strip():
        raise UsageError("nothing to summarize", hint="aigc summarize FILE...  or  ... | aigc summarize")
    if second is None:
        return _noted(
            run_recipe(recipe, values, first.strip(), opts, settings, sink, title=_title(sources), attached=attached),
            note,
        )
    worker = _summarizer(backend, model, opts, recipe.temperature, system, budget, reserve, jobs, count, settings)
    parts, merged = _map_reduce(worker, chain([first, second], chunks), sources, progress)
    final = recipes.render(recipe, values, merged)
    final.prompt = f"{sm.MERGE_NOTE}\n{final.prompt}"
    req = task_request(recipe, final, opts)
    attach_to(req, attached)
    req.title = _title(sources) or first.strip()  # the history shows what was summarized, not the merge prompt
    result = run_turn(req, settings, sink)
    result.notices.insert(0, f"summarized {parts} parts of the input map-reduce style")
    return _noted(result, note)


def _summarizer(
    backend: "Backend",
    model: str,
    opts: TaskOptions,
    recipe_temperature: float | None,
    system: str | None,
    budget: int,
    reserve: int,
    jobs: int | None,
    count: Callable[[str], int],
    settings: "Settings",
) -> "Summarizer":
    """The map and reduce worker: short answers (a quarter of a part), at most ``Backend.max_parallel``
    at once, each within the user's answer limits."""
    from aigc_cli.messages import GenOptions
    from aigc_cli.session import mapreduce as sm

    temperature = opts.temperature if opts.temperature is not None else recipe_temperature
    options = GenOptions(model=model, temperature=temperature, max_tokens=min(reserve, max(32, budget // 4)))
    parallel = min(jobs or DEFAULT_JOBS, backend.max_parallel)
    return sm.Summarizer(backend, options, system, budget, jobs=parallel, count=count, limits=settings.limits)


def _part_budget(
    backend: "Backend",
    model: str,
    settings: "Settings",
    opts: TaskOptions,
    system: str | None,
    prompt: str,
    reserve: int,
) -> int:
    """Tokens one part may take: the window less the answer's room and the prompt around the part.
    A one-part summary is sent with the memory block, so the part leaves room for it too."""
    from aigc_cli.memory.block import system_with_memories
    from aigc_cli.session import mapreduce as sm

    sent_system = system_with_memories(system, settings, enabled=not opts.no_memory, model=model).system
    overhead = sm.prompt_overhead(backend, model, sent_system, prompt)
    return sm.chunk_budget(backend.context_window(model), reserve, overhead)


def _title(sources: list["Source"]) -> str | None:
    """`summarize notes.md report.txt` is titled by its files (stdin alone: by its text)."""
    names = [os.path.basename(s.name) or s.name for s in sources if s.name != "stdin"]
    return "summarize " + ", ".join(names) if names else None


def _jobs_note(jobs: int | None, max_parallel: int, backend: str) -> str | None:
    """``--jobs`` beyond what the backend runs at once is said, not silently ignored."""
    if jobs is None or jobs <= max_parallel:
        return None
    if max_parallel <= 1:
        return f"note: --jobs {jobs} does not apply: the {backend} backend summarizes one part at a time"
    return f"note: --jobs {jobs} is more than the {backend} backend runs at once; using {max_parallel}"


def _noted(result: TurnResult, note: str | None) -> TurnResult:
    if note:
        result.notices.insert(0, note)
    return result


BASE_PART_TOKENS = 1024  # a base model loses the thread in longer parts


def _summarize_completion(
    recipe: Any,
    values: Mapping[str, Any],
    sources: list["Source"],
    opts: TaskOptions,
    settings: "Settings",
    backend: Any,
    model: str,
    count: Callable[[str], int],
    sink: TextSink | None,
    progress: ProgressFactory | None,
) -> TurnResult:
    """Base models: every part, and the merge, framed as the recipe's completion text.

    Parts are short (``BASE_PART_TOKENS``) and each part's summary is one short
    paragraph (the recipe's stops and max_tokens), so the merge sees a few lines.
    """
    from aigc_cli import recipes
    from aigc_cli.errors import UsageError
    from aigc_cli.messages import GenOptions
    from aigc_cli.session import mapreduce as sm
    from aigc_cli.session.tasks import task_request

    def frame(text: str) -> str:
        return recipes.render_completion(recipe, values, text) or text

    cont = recipe.completion
    reserve = opts.max_tokens or cont.max_tokens or settings.context.reserve_output
    overhead = count(frame("")) + 16
    budget = min(BASE_PART_TOKENS, sm.chunk_budget(backend.context_window(model), reserve, overhead))
    chunks = sm.split_by_tokens(sm.iter_sources(sources), budget, count)
    first, second = next(chunks, ""), next(chunks, None)
    if not first.strip():
        raise UsageError("nothing to summarize", hint="aigc summarize FILE...  or  ... | aigc summarize")
    merged, parts = first.strip(), 1
    if second is not None:
        temperature = opts.temperature if opts.temperature is not None else recipe.temperature
        options = GenOptions(
            model=model, temperature=temperature, max_tokens=reserve, stop=list(cont.stop), completion=True
        )
        worker = sm.Summarizer(backend, options, None, budget, jobs=1, count=count, frame=frame, limits=settings.limits)
        parts, merged = _map_reduce(worker, chain([first, second], chunks), sources, progress)
    req = task_request(recipe, recipes.render(recipe, values, merged), opts, completion=frame(merged))
    req.title = _title(sources) or first.strip()
    result = run_turn(req, settings, sink)
    if parts > 1:
        result.notices.insert(0, f"summarized {parts} parts of the input map-reduce style")
    return result


def _map_reduce(
    worker: Any, chunks: Iterator[str], sources: list["Source"], progress: ProgressFactory | None
) -> tuple[int, str]:
    """Summarize every chunk, then merge the part summaries: (parts, merged text).

    Progress is in bytes of input summarized, out of the inputs' total size (None
    for stdin): a total known from the start, so the bar never grows while it runs.
    Parts finish in order, so the bytes done are those of the first ``done`` parts.
    """
    from contextlib import nullcontext

    sizes: list[int] = []

    def measured(it: Iterator[str]) -> Iterator[str]:
        for chunk in it:
            sizes.append(len(chunk.encode("utf-8")))
            yield chunk

    total = _total_bytes(sources)
    with progress() if progress is not None else nullcontext() as update:
        tick = None if update is None else (lambda done, _parts: update(sum(sizes[:done]), total))
        parts = worker.map(measured(chunks), tick)
        merged = worker.reduce(parts, None)
    return len(parts), merged


def _total_bytes(sources: list["Source"]) -> int | None:
    """The inputs' size in bytes, or None when one of them (stdin) has no known size."""
    sizes = [s.size for s in sources]
    if not sizes or None in sizes:
        return None
    return sum(s for s in sizes if s is not None)
