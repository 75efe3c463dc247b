"""pytest plugin: every request ``extract()`` or an ``Extractor`` makes in a test is recorded
to, or replayed from, ``<cassette dir>/<test module>/<test name>.yaml``.

Use the ``llm_cassette`` fixture in a test. ``--llm-record=none|once|new|rewrite`` (default
``none``: replay only, nothing is sent) chooses the mode, as pytest-recording's
``--record-mode`` does. The cassette folder is ``cassettes/`` beside the test file; set the
``llm_cassette_dir`` ini option (relative to the rootdir) or override the ``llm_cassette_dir``
fixture to put it elsewhere.

A request with no recording fails the test with a diff against the closest recorded request and
the command that re-records that one test. So does a replay that leaves recorded exchanges
unasked (the test now sends fewer requests than were recorded).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from llm_extract.errors import RecordingMissError, cause_of
from llm_extract.wire import recordings as recording
from llm_extract.wire.recordings import RECORD_MODES, Recording

_CALL_PASSED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llm_extract", "llm_extract recordings")
    group.addoption(
        "--llm-record",
        choices=RECORD_MODES,
        default="none",
        help="llm_cassette mode: none (replay only, never send; the default), once (record "
        "missing cassettes), new (record requests not yet recorded), rewrite (record afresh).",
    )
    parser.addini(
        "llm_cassette_dir",
        "Folder for llm_cassette recordings, relative to the rootdir "
        "(default: cassettes/ beside each test file).",
        default="",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test itself passed (its cassette checks run at teardown), and show
    a recording miss as its message alone, not under pages of traceback through the SDKs."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
        if report.failed and call.excinfo is not None:
            miss = cause_of(call.excinfo.value, RecordingMissError)
            if miss is not None:
                report.longrepr = f"{type(miss).__name__}: {miss}"
    return report


@pytest.fixture(scope="module")
def llm_cassette_dir(request: pytest.FixtureRequest) -> Path:
    """Where this module's recordings live (override to move them)."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    configured = str(request.config.getini("llm_cassette_dir"))
    base = request.config.rootpath / configured if configured else request.path.parent / "cassettes"
    return Path(base / module)


@pytest.fixture
def llm_cassette_name(request: pytest.FixtureRequest) -> str:
    """The recording's file name without ``.yaml``: ``Class.test_name[params]``."""
    name = request.node.name
    if request.cls is not None:
        name = f"{request.cls.__name__}.{name}"
    return re.sub(r"[^\w.\[\]=,-]", "_", name)


@pytest.fixture
def llm_cassette(
    request: pytest.FixtureRequest, llm_cassette_dir: Path, llm_cassette_name: str
) -> Iterator[Recording]:
    """Record or replay every request llm_extract makes during this test."""
    command = f"pytest {shlex.quote(request.node.nodeid)} --llm-record=rewrite"
    cassette = Recording(
        Path(llm_cassette_dir) / f"{llm_cassette_name}.yaml",
        request.config.getoption("--llm-record"),
        rerecord=f"re-record this test: {command}",
    )
    with recording.use(cassette):
        yield cassette
    cassette.save()
    if not request.node.stash.get(_CALL_PASSED, False):
        return  # the test failed already, and says why (a miss raises RecordingMissError)
    if cassette.misses:  # a miss that the code under test caught (a batch keeps going)
        pytest.fail(str(cassette.misses[0]), pytrace=False)
    if not cassette.sends and cassette.unplayed:
        pytest.fail(
            f"{cassette.unplayed} of {len(cassette.exchanges)} recorded exchanges in "
            f"{cassette.path} were never asked for: the test now sends fewer requests than "
            f"were recorded. If that is intended, re-record this test: {command}",
            pytrace=False,
        )
