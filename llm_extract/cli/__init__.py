"""The command line (``llm-extract``): a thin layer over the library; see :mod:`.main`."""

from llm_extract.cli.main import main

__all__ = ["main"]
