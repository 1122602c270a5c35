"""OpenAI's Batch API for `aigc batch --api batch` (issue #23): upload, create, poll, download.

Half the price of live requests, results within 24 hours. The core hands us the
requests as JSONL (one ``/v1/chat/completions`` body per line, keyed by
``custom_id``) and gets back the remote batch's state and, when it is over,
the text of its output and error files. Any server that implements
``/v1/files`` and ``/v1/batches`` the same way works (the tests' loopback
fixture does). SDK errors become aigc's errors, as everywhere in this backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aigc_cli.backends.base import RemoteBatch
from aigc_cli.backends.openai_errors import map_error
from aigc_cli.errors import AigcError

FINAL_STATES = ("completed", "failed", "expired", "cancelled")


class OpenAIBatchAPI:
    """The Batch API through the backend's own SDK client."""

    def __init__(self, client: Callable[[], Any], where: str | None) -> None:
        self._client = client
        self._where = where

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except AigcError:
            raise
        except Exception as exc:
            raise map_error(exc, self._where) from exc

    def submit(self, jsonl: bytes, name: str) -> str:
        """Upload the requests and create the batch; returns the batch id."""
        client = self._client()
        uploaded = self._call(lambda: client.files.create(file=(name, jsonl), purpose="batch"))
        batch = self._call(
            lambda: client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"created_by": "aigc batch"},
            )
        )
        return str(batch.id)

    def status(self, batch_id: str) -> RemoteBatch:
        batch = self._call(lambda: self._client().batches.retrieve(batch_id))
        counts = batch.request_counts
        return RemoteBatch(
            id=batch.id,
            state=batch.status,
            final=batch.status in FINAL_STATES,
            total=getattr(counts, "total", 0) or 0,
            completed=getattr(counts, "completed", 0) or 0,
            failed=getattr(counts, "failed", 0) or 0,
            output_file=batch.output_file_id,
            error_file=batch.error_file_id,
        )

    def download(self, file_id: str) -> str:
        """A result file's text (JSONL)."""
        resp = self._call(lambda: self._client().files.content(file_id))
        return str(resp.text)

    def cancel(self, batch_id: str) -> None:
        self._call(lambda: self._client().batches.cancel(batch_id))
