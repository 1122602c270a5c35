"""Running a batch on the provider's Batch API (``--api batch``): submit once, poll, collect.

The requests are written as JSONL (``custom_id`` is the item's index), uploaded
and a remote batch created; its id is stored with the job at once, so a closed
laptop or a killed process resumes polling with `aigc batch resume JOB` and
never submits twice. When the batch is over, the output and error files are
matched to items by ``custom_id``; an item in neither is failed ("no result").
Requests are the recipe's messages (system and prompt): the memories and
knowledge bases of a live turn are not added to a remote batch.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aigc_cli.batch.live import Progress, Report
from aigc_cli.errors import AigcError

if TYPE_CHECKING:
    from aigc_cli.batch.job import Prepared
    from aigc_cli.config import Settings
    from aigc_cli.store.db import Store


def request_lines(prep: "Prepared", store: "Store", pending: list[int]) -> bytes:
    """One Batch API request per readable pending item; unreadable ones are failed now."""
    from aigc_cli.batch.inputs import read_item
    from aigc_cli.batch.job import render_item
    from aigc_cli.store import batch as jobs

    lines: list[str] = []
    for idx in pending:
        try:
            system, prompt = render_item(prep, read_item(prep.items[idx]))
        except AigcError as exc:
            jobs.fail_item(store, prep.job_id, idx, str(exc))
            continue
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        body: dict[str, Any] = {"model": prep.model, "messages": messages}
        temperature = prep.spec.temperature if prep.spec.temperature is not None else prep.recipe.temperature
        if temperature is not None:
            body["temperature"] = temperature
        if prep.spec.max_tokens or prep.recipe.max_tokens:
            body["max_tokens"] = prep.spec.max_tokens or prep.recipe.max_tokens
        lines.append(
            json.dumps(
                {"custom_id": str(idx), "method": "POST", "url": "/v1/chat/completions", "body": body},
                ensure_ascii=False,
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def run_remote(
    prep: "Prepared",
    store: "Store",
    settings: "Settings",
    remote_id: str | None,
    pending: list[int],
    progress: Progress | None,
) -> Report:
    """Submit (unless already submitted), poll until the batch is over, record every item."""
    from aigc_cli.store import batch as jobs

    api = prep.backend.batch_api()
    if remote_id is None:
        data = request_lines(prep, store, pending)
        if not data:
            return _report(prep, store, None)
        remote_id = api.submit(data, f"aigc-batch-{prep.job_id}.jsonl")
        jobs.set_state(store, prep.job_id, "running", remote_id=remote_id)
    delay = 1.0
    while True:
        state = api.status(remote_id)
        if progress is not None:
            progress(state.completed, state.failed, max(state.total, len(pending)), None)
        if state.final:
            break
        time.sleep(delay)
        delay = min(settings.batch.poll_seconds, delay * 1.5)
    output = api.download(state.output_file) if state.output_file else ""
    errors = api.download(state.error_file) if state.error_file else ""
    _collect(prep, store, output, errors, state.state)
    return _report(prep, store, None if state.state == "completed" else f"the remote batch ended {state.state}")


def _collect(prep: "Prepared", store: "Store", output: str, errors: str, state: str) -> None:
    """Match result lines to items; write their outputs; fail the rest of this submission."""
    from aigc_cli.batch import outputs
    from aigc_cli.batch.job import BATCH_API_DISCOUNT, output_path
    from aigc_cli.store import batch as jobs

    price = prep.backend.price(prep.model)
    done: list[tuple[int, str, int | None, int | None, float | None]] = []
    failed: dict[int, str] = {}
    for line in (output + "\n" + errors).splitlines():
        parsed = _parse(line)
        if parsed is None:
            continue
        idx, text, usage, error = parsed
        if error is not None or text is None:
            failed[idx] = error or "no answer in the result"
            continue
        pt, ct = usage
        cost = price.cost(pt or 0, ct or 0) * BATCH_API_DISCOUNT if price is not None and pt is not None else None
        done.append((idx, text, pt, ct, cost))
    pending = {r.idx for r in jobs.items(store, prep.job_id, "pending")}
    seen = {d[0] for d in done} | set(failed)
    for idx in pending - seen:
        failed[idx] = f"no result (the remote batch ended {state})"
    for idx, text, *_ in done:
        path = output_path(prep, idx)
        if path is not None and idx < len(prep.items):
            outputs.write_item(prep, path, text)
    jobs.record_many(
        store, prep.job_id, [d for d in done if d[0] in pending], [(i, e) for i, e in failed.items() if i in pending]
    )
    for idx, *_ in done:
        path = output_path(prep, idx)
        if path is not None and idx in pending:
            jobs.set_output_path(store, prep.job_id, idx, path)


def _parse(line: str) -> tuple[int, str | None, tuple[int | None, int | None], str | None] | None:
    """(index, text, (prompt, completion tokens), error) of one result line, or None for junk."""
    try:
        rec = json.loads(line)
        idx = int(rec["custom_id"])
    except (ValueError, KeyError, TypeError):
        return None
    response = rec.get("response") or {}
    err = rec.get("error")
    if err or response.get("status_code", 200) != 200:
        body = response.get("body") or {}
        message = (err or {}).get("message") if isinstance(err, dict) else None
        message = message or (body.get("error") or {}).get("message") if isinstance(body, dict) else message
        return idx, None, (None, None), message or f"HTTP {response.get('status_code')}"
    try:
        body = response["body"]
        text = body["choices"][0]["message"]["content"]
        usage = body.get("usage") or {}
    except (KeyError, IndexError, TypeError):
        return idx, None, (None, None), "malformed result"
    if not isinstance(text, str):
        return idx, None, (None, None), "malformed result"
    return idx, text, (usage.get("prompt_tokens"), usage.get("completion_tokens")), None


def _report(prep: "Prepared", store: "Store", stopped: str | None) -> Report:
    from aigc_cli.store import batch as jobs

    row = jobs.job(store, prep.job_id)
    assert row is not None
    failed_rows = jobs.items(store, prep.job_id, "failed")[:5]
    return Report(
        prep.job_id, row.total, row.done, row.failed, row.cost, stopped, [f"{r.key}: {r.error}" for r in failed_rows]
    )
