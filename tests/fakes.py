"""The fakes ship with the package (``llm_extract.testing.fakes``) for users' plugin and schema
tests; the suite imports them from there."""

from llm_extract.testing.fakes import (
    DropConnection,
    FakeBackend,
    FakeBatchApi,
    FakeServer,
    LoopbackServer,
)

__all__ = ["DropConnection", "FakeBackend", "FakeBatchApi", "FakeServer", "LoopbackServer"]
