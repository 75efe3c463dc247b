"""The shipped schema files as ordinary modules: ``llm_extract.schema_modules.conflict_events``.

The files live in ``schemas/`` (bundled as ``llm_extract/_bundled/schemas`` in a wheel); this
package's search path points there, so a shipped record class has an importable module name
and its records pickle (to worker processes, or a cache) like any other object.
"""

from llm_extract.resources import resource_dir

__path__ = [str(resource_dir("schemas"))]
