"""Every error the API can answer with: one code list, one envelope, one exception."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from fastapi.responses import JSONResponse


class ErrorCode(StrEnum):
    """The `error.code` values of the JSON envelope; clients switch on these."""

    EMPTY_QUERY = "empty_query"
    QUERY_TOO_LONG = "query_too_long"
    INVALID_TEXT = "invalid_text"
    INVALID_REQUEST = "invalid_request"
    UNKNOWN_AGENCY = "unknown_agency"
    UNKNOWN_PASSAGE = "unknown_passage"
    BODY_TOO_LARGE = "body_too_large"
    LOADING = "loading"
    OVERLOADED = "overloaded"
    LOAD_FAILED = "load_failed"
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    INTERNAL_ERROR = "internal_error"


class ApiError(Exception):
    """A client error with a message a person can act on."""

    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(
    status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": str(code), "message": message}}, status_code=status, headers=headers
    )


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[^\s'\"`:,;()]+/)*([^\s'\"`:,;()/]+)")


def without_paths(message: str, named: dict[str, Path]) -> str:
    """A message fit for a response body: configured folders by their setting's name, any
    other absolute path by its last part (the full message goes to the server's log)."""
    for setting, path in sorted(named.items(), key=lambda item: -len(str(item[1]))):
        message = message.replace(str(path), setting)
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(1), message)
