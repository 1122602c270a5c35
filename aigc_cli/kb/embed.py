"""Embeddings for a base: opt-in, one model per base, never mixed.

A base remembers the backend and model it embeds with (``kb add --embed``).
Changing either drops every stored vector, and the next sync embeds every
passage again with the new model: vectors from two models are not
comparable, so they never share a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_cli.kb.index import KnowledgeBase
from aigc_cli.kb.sync import Embedder

if TYPE_CHECKING:
    from aigc_cli.config import Settings


def configure(kb: KnowledgeBase, model: str | None, backend: str | None) -> bool:
    """Set (or with ``model=None`` turn off) a base's embedding model; True if vectors were dropped."""
    old = (kb.meta("embed_model"), kb.meta("embed_backend"))
    new = (model, backend if model else None)
    if old == new:
        return False
    with kb.write():
        if kb.vectors or kb.meta("embed_dim"):
            kb.drop_vectors()
        kb.set_meta("embed_model", new[0])
        kb.set_meta("embed_backend", new[1])
    return old[0] is not None


def embedder(kb: KnowledgeBase, settings: "Settings") -> Embedder | None:
    """The base's embedding function through its backend, or None for a keyword-only base."""
    model = kb.meta("embed_model")
    if not model:
        return None
    from aigc_cli.backends import choose_backend_name, get_backend

    backend = get_backend(choose_backend_name(settings, kb.meta("embed_backend")), settings)

    def run(texts: list[str]) -> list[list[float]]:
        out = backend.embed(texts, model)  # the contract's default says "no embeddings"
        if len(out) != len(texts):
            from aigc_cli.errors import BackendError

            raise BackendError(f"the {backend.name} backend returned {len(out)} embeddings for {len(texts)} texts")
        return out

    return run


def query_embedder(kb: KnowledgeBase, settings: "Settings"):
    """One-text version of ``embedder`` for a search query, or None."""
    run = embedder(kb, settings)
    return None if run is None else (lambda text: run([text])[0])
