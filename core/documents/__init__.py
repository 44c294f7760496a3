"""Printed documents (SPEC §8): their data, built in core and rendered by ``storage.documents``."""

from core.documents.model import *  # noqa: F403
from core.documents.model import __all__ as __all__  # noqa: PLE0605
