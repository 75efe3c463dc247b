"""The pipeline: template -> backend -> validate/re-ask (over transport retries) -> ground.

:class:`Extractor` holds everything that stays the same across documents (schema, template,
backend, retry budgets); :func:`extract` is the one-call version.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from collections.abc import AsyncIterator, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tenacity import Retrying

from llm_extract.backends import Backend, resolve_backend
from llm_extract.core.document import Document, parse_published
from llm_extract.core.language import LanguageDetector, detect_language, given_language
from llm_extract.core.pieces import Chunk, combine
from llm_extract.core.registry import Schema, load_schema
from llm_extract.core.result import ExtractionResult, Flag
from llm_extract.core.templates import PromptTemplate
from llm_extract.errors import (
    ConfigError,
    ExtractionFailedError,
    InputError,
    LlmExtractError,
    RequestRejectedError,
    TransportRetriesExhaustedError,
)
from llm_extract.inputs.sources import read_source
from llm_extract.pipeline import ask as piece
from llm_extract.pipeline import many as concurrent
from llm_extract.pipeline.many import ManyItem, Outcome
from llm_extract.settings import DEFAULT_TRANSPORT_RETRIES, ExtractorSettings
from llm_extract.strategies import Strategy, resolve_strategy
from llm_extract.strategies.base import codebook_flags
from llm_extract.wire import recordings as recording
from llm_extract.wire.cache import ResponseCache
from llm_extract.wire.clients import Clients
from llm_extract.wire.limits import gate_for
from llm_extract.wire.retries import (
    CallLog,
    transport_retrying,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

DEFAULT_SCHEMA = "conflict_events"
_D = ExtractorSettings()  # the defaults live in the settings (the CLI shows the same ones)
_SETTING_NAMES = frozenset(f.name for f in dataclasses.fields(ExtractorSettings))
_PieceOutcome = ExtractionResult | LlmExtractError  # what one piece of a document gives
# A chunk failing in these ways is reported in the result; other errors (bad key, no server)
# would fail every chunk alike, so they stop the document.
_CHUNK_ERRORS = (InputError, ExtractionFailedError, RequestRejectedError,
                 TransportRetriesExhaustedError)  # fmt: skip


class Extractor:
    """Extracts validated, grounded records with one schema, template and backend.

    Args:
        schema: shipped schema name, ``path/to/file.py:Class``, or a pydantic class.
        backend: a backend name (``"openai"``, ``"embedded"``) or instance; by default a base URL
            or API key (argument or environment) selects ``openai``, else ``embedded``.
        template: a shipped template name or a path; default: the schema's own.
        validation_retries: re-asks after a validation failure (the model got it wrong).
        transport_retries: resends after 429/5xx/timeouts (the server failed), or a
            ``tenacity.Retrying`` for full control.
        strategy: how a document becomes requests: ``"single"`` (whole document, long ones
            in chunks), ``"find-fill"`` (cue sentences, then one request per short window), or
            a :class:`~llm_extract.strategies.Strategy`; default: the backend's.
        timeout: seconds per HTTP request (default: the backend's ``default_timeout``, 120 s
            for endpoints and 600 s for the embedded model).
        chunk_chars: documents longer than this are extracted in chunks of whole sentences
            (default: the backend's ``chunk_chars``); ``chunk_overlap`` sentences repeat
            between neighbours; up to ``chunk_concurrency`` pieces are in flight at once.
        concurrency: requests in flight at once on this endpoint, shared by every document,
            chunk, pass and retry (:meth:`extract_many` runs this many documents at once); the
            backend may cap it (the embedded model serves one at a time).
        cache: a SQLite response cache file (see :mod:`llm_extract.wire.cache`); default none.
        retry_wait: the first transport-retry backoff, in seconds.
        record: save every exchange to this YAML file (written on :meth:`close`).
        replay: answer every request from this recording, sending nothing; a request it
            does not hold raises :class:`~llm_extract.RecordingMissError` saying what changed.
        language: the documents' language (ISO 639-1, ``"fr"``); by default each document's
            own is detected (a :class:`Document` that names one keeps it). It picks the
            schema pack's word lists and the language date words are read in.
        language_detector: what detects a text's language (default: py3langid, see
            :mod:`llm_extract.core.language`; tests pass fakes).
        settings: an :class:`~llm_extract.ExtractorSettings` to build from instead of the
            arguments above (see :meth:`from_settings`).
    """

    def __init__(
        self,
        schema: str | type[BaseModel] = DEFAULT_SCHEMA,
        *,
        backend: str | Backend | None = None,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        template: str | Path | None = None,
        strategy: str | Strategy | None = None,
        validation_retries: int = _D.validation_retries,
        transport_retries: int | Retrying = _D.transport_retries,
        retry_wait: float = _D.retry_wait,
        timeout: float | None = None,
        max_tokens: int = _D.max_tokens,
        temperature: float = _D.temperature,
        max_chars: int = _D.max_chars,
        chunk_chars: int | None = None,
        chunk_overlap: int = _D.chunk_overlap,
        chunk_concurrency: int = _D.chunk_concurrency,
        concurrency: int = _D.concurrency,
        cache: str | Path | None = None,
        record: str | Path | None = None,
        replay: str | Path | None = None,
        settings: ExtractorSettings | None = None,
        language_detector: LanguageDetector | None = None,
        **backend_options: Any,
    ) -> None:
        # Any other setting is accepted by name too (one front door with settings= and the CLI);
        # what is left goes to the backend.
        named = {k: backend_options.pop(k) for k in list(backend_options) if k in _SETTING_NAMES}
        if settings is None:
            settings = ExtractorSettings(
                schema=schema, backend=backend if isinstance(backend, str) else None,
                model=model, base_url=base_url, api_key=api_key, template=_text(template),
                strategy=strategy if isinstance(strategy, str) else None,
                validation_retries=validation_retries,
                transport_retries=transport_retries
                if isinstance(transport_retries, int) else DEFAULT_TRANSPORT_RETRIES,
                retry_wait=retry_wait, timeout=timeout, max_tokens=max_tokens,
                temperature=temperature, max_chars=max_chars, chunk_chars=chunk_chars,
                chunk_overlap=chunk_overlap, chunk_concurrency=chunk_concurrency,
                concurrency=concurrency, cache=_text(cache), record=_text(record),
                replay=_text(replay), **named,
            )  # fmt: skip
        else:
            given = (backend, model, base_url, api_key, template, strategy, cache, record, replay)
            if schema != DEFAULT_SCHEMA or named or any(v is not None for v in given):
                raise ConfigError(
                    "Extractor got settings= and separate arguments.",
                    "Put everything in the settings (settings.with_(model=...)), or pass no "
                    "settings.",
                )
            schema, backend, strategy = settings.schema, settings.backend, settings.strategy
            transport_retries = settings.transport_retries
        #: The plain settings this extractor was built from (picklable; objects passed in
        #: instead of names, such as a Backend instance or a Retrying, are not in it).
        self.settings = s = settings
        own_recording = recording.for_extractor(s.record, s.replay)
        self.schema: Schema = load_schema(schema)
        self.template = PromptTemplate.load(s.template or self.schema.prompt_template)
        self.template.check(self.schema)  # template mistakes fail here, before any API call
        self.backend = resolve_backend(
            backend, model=s.model, base_url=s.base_url, api_key=s.api_key, **backend_options
        )
        self.strategy = resolve_strategy(strategy, self.backend)
        #: The language every document is read in, or None to detect each one's.
        self.language = given_language(s.language) if s.language else None
        self.language_detector = language_detector or detect_language
        self.validation_retries = s.validation_retries
        self.transport_policy = (
            transport_retries
            if isinstance(transport_retries, Retrying)
            else transport_retrying(transport_retries, initial_wait=s.retry_wait)
        )
        self.timeout = s.timeout or self.backend.default_timeout
        self.max_tokens = s.max_tokens
        self.temperature = s.temperature
        self.max_chars = s.max_chars
        self.chunk_chars = s.chunk_chars or self.backend.chunk_chars
        if self.chunk_chars < 200:
            raise ConfigError("chunk_chars must be at least 200.")
        self.chunk_overlap = s.chunk_overlap
        self.chunk_concurrency = s.chunk_concurrency
        cap = self.backend.max_concurrency
        self.concurrency = min(s.concurrency, cap) if cap else s.concurrency
        #: The endpoint's request limit, shared with every extractor on it in this process.
        self.gate = gate_for(
            self.backend.endpoint, self.concurrency, s.requests_per_minute, s.tokens_per_minute
        )
        self.cache = ResponseCache(s.cache) if s.cache else None
        #: HTTP clients (recording, cache and gate in their transport);
        # :mod:`llm_extract.pipeline.ask`
        #: sends each piece through them.
        self.clients = Clients(self.backend, self.timeout, own_recording, self.gate, self.cache)

    @classmethod
    def from_settings(cls, settings: ExtractorSettings, **backend_options: Any) -> Extractor:
        """The extractor ``settings`` describe (e.g. a copy unpickled in a worker process)."""
        return cls(settings=settings, **backend_options)

    # --- public API ----------------------------------------------------------------------

    def extract(
        self,
        text: str | Document,
        *,
        published: str | date | None = None,
        document_id: str | None = None,
    ) -> ExtractionResult:
        """Extract records from one document (text or :class:`Document`).

        The strategy plans the pieces to send (the whole text, chunks of a long one, or short
        windows); pieces run in threads and their records are merged (see
        :mod:`llm_extract.strategies`).
        """
        doc, pub = self._document(text, document_id), parse_published(published)
        pieces = self.plan(doc)
        if _is_whole(pieces, doc):
            return self._noted(piece.ask(self, doc, pub, whole=True), doc)
        started = time.perf_counter()
        order = self._send_order(pieces)
        with ThreadPoolExecutor(self._piece_workers(pieces)) as pool:
            sent = list(pool.map(lambda i: self._chunk_outcome(pieces[i], pub), order))
        outcomes = _in_plan_order(order, sent)
        seconds = time.perf_counter() - started
        return self._noted(self.combined(doc, pieces, outcomes, seconds), doc)

    async def aextract(
        self,
        text: str | Document,
        *,
        published: str | date | None = None,
        document_id: str | None = None,
    ) -> ExtractionResult:
        """Async :meth:`extract` (the pieces of a document run concurrently)."""
        doc, pub = self._document(text, document_id), parse_published(published)
        pieces = self.plan(doc)
        if _is_whole(pieces, doc):
            return self._noted(await piece.aask(self, doc, pub, whole=True), doc)
        started = time.perf_counter()
        order = self._send_order(pieces)
        gate = asyncio.Semaphore(self._piece_workers(pieces))

        async def run(chunk: Chunk) -> _PieceOutcome:
            async with gate:
                try:
                    return await piece.aask(self, chunk.document, pub, whole=False)
                except _CHUNK_ERRORS as e:
                    return e

        sent = await asyncio.gather(*(run(pieces[i]) for i in order))
        seconds = time.perf_counter() - started
        outcomes = _in_plan_order(order, list(sent))
        return self._noted(self.combined(doc, pieces, outcomes, seconds), doc)

    def extract_many(
        self,
        docs: Iterable[ManyItem],
        *,
        published: str | date | None = None,
        concurrency: int | None = None,
    ) -> Generator[Outcome, None, None]:
        """Extract many documents at once, yielding each :class:`~llm_extract.Outcome` as it
        finishes; see :func:`llm_extract.pipeline.many.extract_many`."""
        return concurrent.extract_many(self, docs, published=published, concurrency=concurrency)

    def aextract_many(
        self,
        docs: Iterable[ManyItem],
        *,
        published: str | date | None = None,
        concurrency: int | None = None,
    ) -> AsyncIterator[Outcome]:
        """Async :meth:`extract_many`; see :func:`llm_extract.pipeline.many.aextract_many`."""
        return concurrent.aextract_many(self, docs, published=published, concurrency=concurrency)

    def set_concurrency(self, concurrency: int) -> None:
        """Requests in flight for this extractor (shared with extractors on the same endpoint
        at the same limit); the settings follow."""
        s = self.settings = self.settings.with_(concurrency=concurrency)
        self.concurrency = concurrency
        self.gate = self.clients.gate = gate_for(
            self.backend.endpoint, concurrency, s.requests_per_minute, s.tokens_per_minute
        )

    def extract_file(
        self, path: str | Path, *, published: str | date | None = None
    ) -> ExtractionResult:
        """Read, check and extract one file (UTF-8 text or HTML) or ``http(s)://`` URL; an HTML
        page's own publication date is used when ``published`` is not given."""
        page = read_source(path, max_chars=self.max_chars)
        return self.extract(page.document, published=published or page.published)

    def plan(self, doc: Document) -> list[Chunk]:
        """The pieces the strategy would send for ``doc`` (sends nothing), read in its language
        (:meth:`with_language`)."""
        doc = self.with_language(doc)
        if not _takes_schema(self.strategy.plan):  # a Strategy written before packs
            return self.strategy.plan(doc, chunk_chars=self.chunk_chars, overlap=self.chunk_overlap)
        return self.strategy.plan(
            doc, chunk_chars=self.chunk_chars, overlap=self.chunk_overlap, schema=self.schema
        )

    def render_prompts(
        self, text: str | Document, *, published: str | date | None = None
    ) -> list[tuple[Chunk, list[dict[str, str]]]]:
        """Every request the strategy would send first, piece by piece in the order they go
        out (see :meth:`_send_order`; sends nothing).

        A follow-up (second look) depends on the answer, so it is not among them; its text is
        :data:`llm_extract.strategies.EMPTY_SECOND_LOOK`, the insisting note naming candidate
        sentences, or a codebook cue's hint or check (see :meth:`Strategy.review`).
        """
        doc, pub = self._document(text, None), parse_published(published)
        pieces = self.plan(doc)
        return [
            (pieces[i], piece.prompt_messages(self, pieces[i].document, pub))
            for i in self._send_order(pieces)
        ]

    def request_kwargs(
        self, messages: list[dict[str, str]], log: CallLog, *, at_least_one: bool = False
    ) -> dict[str, Any]:
        """The structured ``create`` arguments the live path passes for ``messages`` (instructor
        turns them into the request body); :mod:`llm_extract.runs.batch_api` writes the same body
        into batch files. ``log`` collects the validation errors; ``at_least_one`` asks with
        the schema that requires a record (an insisting follow-up)."""
        return piece.request(self, messages, log, at_least_one)

    def close(self) -> None:
        """Close HTTP clients (the shared embedded server stays up for the process) and write
        the ``record=`` file."""
        self.clients.close()
        self.backend.close()

    async def aclose(self) -> None:
        await self.clients.aclose()
        self.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- steps -----------------------------------------------------------------------------

    def combined(
        self, doc: Document, pieces: list[Chunk], outcomes: list[_PieceOutcome], seconds: float
    ) -> ExtractionResult:
        """A document's result from its pieces' outcomes: merged, settled and flagged as the
        strategy and schema say (the live path and batch collect alike)."""
        finish = partial(self._finish, doc=doc)
        flag = partial(codebook_flags, schema=self.schema)
        return combine(doc, pieces, outcomes, seconds, finish, flag)

    def finished(self, records: list[Any], doc: Document) -> tuple[list[Any], list[Flag]]:
        """The records of a document sent whole, finished as :meth:`combined` finishes pieces'
        (merged and settled), and their flags (the live path and batch collect alike)."""
        records = self._finish(records, doc=doc)
        return records, codebook_flags(records, self.schema)

    def _noted(self, result: ExtractionResult, doc: Document) -> ExtractionResult:
        """``result`` with the strategy's note on how ``doc`` was read (a language the
        schema's word lists do not cover)."""
        reading = getattr(self.strategy, "reading_note", None)
        note = reading(doc, self.schema) if reading and _takes_schema(reading) else None
        if note and note not in result.notes:
            result.notes.append(note)
        return result

    def _finish(self, records: list[Any], doc: Document) -> list[Any]:
        if not _takes_schema(self.strategy.finish):  # a Strategy written before packs
            return self.strategy.finish(records, doc=doc)
        return self.strategy.finish(records, doc=doc, schema=self.schema)

    def _send_order(self, pieces: list[Chunk]) -> list[int]:
        """Plan indexes in the order to send them: pieces whose prompts carry the same cue
        examples go out back to back, so a prefix-caching server (llama.cpp, OpenAI) reads
        each shared prefix once. On the seed article this saved one 400-token prefix read
        (15 s on 2 cores) that the old arrival order paid twice."""
        cues = [tuple(self.strategy.hints(p.document, self.schema)) for p in pieces]
        return sorted(range(len(pieces)), key=lambda i: cues[i])

    def _piece_workers(self, pieces: list[Chunk]) -> int:
        # One request at a time on the endpoint: more threads would only race for the gate
        # and send the pieces in an arbitrary order (and the prefix cache with it).
        return 1 if self.concurrency == 1 else min(self.chunk_concurrency, len(pieces))

    def _chunk_outcome(self, chunk: Chunk, pub: date | None) -> _PieceOutcome:
        try:
            return piece.ask(self, chunk.document, pub, whole=False)
        except _CHUNK_ERRORS as e:
            return e

    def _document(self, text: str | Document, document_id: str | None) -> Document:
        doc = (
            text
            if isinstance(text, Document)
            else Document.from_text(text, id=document_id, max_chars=self.max_chars)
        )
        return self.with_language(doc)

    def with_language(self, doc: Document) -> Document:
        """``doc`` with its language: the extractor's ``language``, else the one the document
        names, else the detected one (None when it cannot be told)."""
        if self.language is not None and doc.language != self.language:
            return dataclasses.replace(doc, language=self.language)
        if doc.language is not None:
            return doc
        code = self.language_detector(doc.text).code
        return dataclasses.replace(doc, language=code) if code else doc


def _takes_schema(method: Any) -> bool:
    """Whether a strategy's ``plan``/``finish`` takes the ``schema`` argument (added with
    codebook packs; a subclass written before them still works, without a pack)."""
    return "schema" in inspect.signature(method).parameters


def _text(value: str | Path | None) -> str | None:
    return None if value is None else str(value)


def _in_plan_order(order: list[int], sent: list[_PieceOutcome]) -> list[_PieceOutcome]:
    """Outcomes listed in send ``order`` put back in plan order."""
    out = list(sent)
    for position, index in enumerate(order):
        out[index] = sent[position]
    return out


def _is_whole(pieces: list[Chunk], doc: Document) -> bool:
    return len(pieces) == 1 and pieces[0].document is doc


def extract(
    text: str | Document,
    schema: str | type[BaseModel] = DEFAULT_SCHEMA,
    *,
    published: str | date | None = None,
    **settings: Any,
) -> ExtractionResult:
    """One-call extraction; ``settings`` are :class:`Extractor` arguments."""
    with Extractor(schema, **settings) as extractor:
        return extractor.extract(text, published=published)


async def aextract(
    text: str | Document,
    schema: str | type[BaseModel] = DEFAULT_SCHEMA,
    *,
    published: str | date | None = None,
    **settings: Any,
) -> ExtractionResult:
    """Async one-call extraction."""
    extractor = Extractor(schema, **settings)
    try:
        return await extractor.aextract(text, published=published)
    finally:
        await extractor.aclose()
