"""The one exception tree of retold.

Every error a user can cause is a :class:`RetoldError`; its message names the
problem and, where there is one, the fix. The command line prints the message
on one line and exits non-zero, never a traceback.

::

    RetoldError
    ├── InputError                 the input cannot be used as an article
    │   ├── EmptyInputError        nothing to compare: only whitespace, markup or no words
    │   ├── BinaryInputError       the bytes are not text
    │   ├── InputTooLargeError     over the size cap
    │   ├── DecodeError            no text encoding fits the bytes
    │   └── ExtractionError        HTML with no main text in it
    ├── FetchError                 a URL could not be fetched (network, status, type, size)
    │   └── UnsafeURLError         the URL is refused by policy (scheme, private address)
    ├── ModelError                 the sentence encoder cannot be loaded
    └── UsageError                 bad arguments or a malformed batch line
        └── IndexBusyError         another writer kept the index past the lock timeout
"""

from __future__ import annotations

__all__ = [
    "BinaryInputError",
    "DecodeError",
    "EmptyInputError",
    "ExtractionError",
    "FetchError",
    "IndexBusyError",
    "InputError",
    "InputTooLargeError",
    "ModelError",
    "RetoldError",
    "UnsafeURLError",
    "UsageError",
]


class RetoldError(Exception):
    """Base class of every error retold raises on purpose."""


class InputError(RetoldError):
    """The input cannot be read as an article."""


class EmptyInputError(InputError):
    """The input holds no text to compare (or no letter or digit in it)."""


class BinaryInputError(InputError):
    """The input is binary data, not text or HTML."""


class InputTooLargeError(InputError):
    """The input is larger than the configured cap."""


class DecodeError(InputError):
    """No text encoding could decode the input."""


class ExtractionError(InputError):
    """HTML was given but no article text could be extracted from it."""


class FetchError(RetoldError):
    """A URL could not be fetched or did not return an article."""


class UnsafeURLError(FetchError):
    """The URL is refused by the fetch policy (scheme or address)."""


class ModelError(RetoldError):
    """The sentence encoder could not be loaded."""


class UsageError(RetoldError):
    """The caller passed arguments or data that do not make sense."""


class IndexBusyError(UsageError):
    """Another process held the index's writer lock (adding, compacting) for
    longer than the caller would wait; trying again later is the remedy."""
