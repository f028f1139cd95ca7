"""Names for type annotations, as ``aws_advanced_python_wrapper.pep249`` offers them."""
from .connection import Connection
from .cursor import Cursor
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, NotSupportedError, OperationalError, ProgrammingError,
                     Warning)

__all__ = ["Connection", "Cursor", "Error", "Warning", "InterfaceError", "DatabaseError",
           "DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
           "NotSupportedError"]
