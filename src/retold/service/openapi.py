"""The OpenAPI 3.1 description of the ``retold serve`` API, served at ``/openapi.json``.

Written by hand next to the routes (a test checks that both list the same
paths and methods), so it says what each endpoint accepts and answers without
a framework generating it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["spec"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    # any endpoint answers 421 to a Host name the server does not go by
    out: dict[str, Any] = {
        str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted({*statuses, 421})
    }
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


_ERROR_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or a header is invalid",
    401: "The write endpoints need Authorization: Bearer <token> when the server has one",
    404: "No such endpoint, document or story",
    405: "The path exists but not with this method (see the Allow header)",
    411: "The body has no Content-Length (chunked bodies are not accepted)",
    413: "The request body, or an article in it, is over the server's limit",
    415: "The body is not application/json",
    421: "The Host header names a host this server does not go by (see --allowed-host)",
    422: "The JSON is well formed but cannot be used: a missing or wrong field, an empty "
    "or binary article, a URL that could not be fetched or is refused",
    500: "An unexpected error; the message holds a reference for the server log",
    501: "The feature is not available in this version",
    503: "The server is busy (retry after Retry-After seconds), has no index, or cannot "
    "load its model",
    504: "The work took longer than the server's request timeout",
}

_ARTICLE = {
    "description": "An article: its text (plain or HTML), an http(s) URL to fetch, or an "
    "object naming which it is. A string that is a single token starting with a scheme "
    "(https://...) is taken as a URL.",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "kind": {"enum": ["auto", "text", "html"], "default": "auto"},
                "title": {"type": "string"},
                "id": {"type": "string", "maxLength": 200},
            },
            "oneOf": [{"required": ["text"]}, {"required": ["url"]}],
        },
    ],
}

_SPAN = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}

_DOCUMENT_META = {
    "type": "object",
    "properties": {
        k: {"type": "string"}
        for k in (
            "id",
            "title",
            "byline",
            "date",
            "dateline",
            "url",
            "source",
            "encoding",
            "language",
            "text",
        )
    },
}

_REPORT = {
    "type": "object",
    "description": "The comparison report, as `retold compare --json` prints it. Spans are "
    "[start, end) character offsets into documents.a.text and documents.b.text.",
    "required": ["verdict", "similarity", "coverage", "alignments", "changes", "documents"],
    "properties": {
        "verdict": {"enum": ["duplicate", "near-duplicate", "rewrite", "same-story", "unrelated"]},
        "similarity": {"type": "number", "minimum": 0, "maximum": 1},
        "coverage": {
            "type": "object",
            "properties": {"a_in_b": {"type": "number"}, "b_in_a": {"type": "number"}},
        },
        "alignments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "a": _SPAN,
                    "b": _SPAN,
                    "kind": {"enum": ["verbatim", "near-verbatim", "paraphrase"]},
                    "score": {"type": "number"},
                    "a_sentences": {"type": "array", "items": {"type": "integer"}},
                    "b_sentences": {"type": "array", "items": {"type": "integer"}},
                },
            },
        },
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["quote", "number", "date", "name", "title", "negation"]},
                    "a": _SPAN,
                    "b": _SPAN,
                    "a_text": {"type": "string"},
                    "b_text": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
        "boilerplate": {
            "type": "object",
            "properties": {
                "a": {"type": "array", "items": _SPAN},
                "b": {"type": "array", "items": _SPAN},
            },
        },
        "boilerplate_reasons": {
            "type": "object",
            "properties": {
                "a": {"type": "array", "items": {"type": "string"}},
                "b": {"type": "array", "items": {"type": "string"}},
            },
        },
        "added": {
            "type": "array",
            "items": {"type": "object", "properties": {"b": _SPAN, "text": {"type": "string"}}},
        },
        "dropped": {
            "type": "array",
            "items": {"type": "object", "properties": {"a": _SPAN, "text": {"type": "string"}}},
        },
        "features": {"type": "object", "additionalProperties": {"type": "number"}},
        "documents": {
            "type": "object",
            "properties": {"a": _ref("DocumentMeta"), "b": _ref("DocumentMeta")},
        },
    },
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "status"],
            "additionalProperties": False,
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable machine-readable code, e.g. not_found, "
                    "invalid_json, invalid_request, unsafe_url, fetch_failed, empty_input, "
                    "binary_input, payload_too_large, input_too_large, overloaded",
                },
                "message": {"type": "string", "description": "One line for a person"},
                "status": {"type": "integer", "description": "The HTTP status, repeated"},
            },
        }
    },
}

_SEARCH_REQUEST = {
    "type": "object",
    "required": ["article"],
    "additionalProperties": False,
    "properties": {
        "article": _ref("Article"),
        "k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    },
}

_COVERAGE = {
    "type": ["object", "null"],
    "properties": {"a_in_b": {"type": "number"}, "b_in_a": {"type": "number"}},
}

_HIT = {
    "type": "object",
    "description": "An indexed document that may be a source of the query. The pair is "
    "compared with the indexed document as A and the query as B: coverage.b_in_a is the "
    "share of the query found in it, coverage.a_in_b the share of it found in the query.",
    "required": ["id", "score", "verdict", "coverage", "similarity"],
    "properties": {
        "id": {"type": "string"},
        "score": {"type": "number"},
        "verdict": {
            "enum": ["duplicate", "near-duplicate", "rewrite", "same-story", "unrelated", None]
        },
        "coverage": _COVERAGE,
        "similarity": {"type": ["number", "null"]},
        "title": {"type": "string"},
        "url": {"type": "string"},
        "published": {"type": "string"},
        "publisher": {"type": "string"},
        "channels": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}

_SEARCH_RESPONSE = {
    "type": "object",
    "required": ["query", "results"],
    "properties": {
        "query": _ref("DocumentMeta"),
        "results": {"type": "array", "description": "Best first", "items": _ref("Hit")},
    },
}

_ADD_RESPONSE = {
    "type": "object",
    "properties": {
        "ids": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The id of each document sent, in order (its own id, else its "
            "URL, else sha256: and a hash of its text)",
        },
        "added": {"type": "integer"},
        "skipped": {"type": "integer", "description": "Same id already indexed"},
        "duplicates": {"type": "integer", "description": "Same text under another id"},
        "near_duplicates": {"type": "integer"},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"input": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "seconds": {"type": "number"},
    },
}

_ADD_REQUEST = {
    "type": "object",
    "required": ["documents"],
    "additionalProperties": False,
    "properties": {
        "documents": {"type": "array", "items": _ref("Article"), "minItems": 1, "maxItems": 100}
    },
}


def spec(version: str) -> dict[str, Any]:
    """The OpenAPI document of the API."""
    write_security: list[dict[str, list[str]]] = [{"bearer": []}, {}]
    compare_request = {
        "type": "object",
        "required": ["a", "b"],
        "additionalProperties": False,
        "properties": {
            "a": _ref("Article"),
            "b": _ref("Article"),
            "include_text": {
                "type": "boolean",
                "default": True,
                "description": "Put both texts in documents.*.text (spans index into them)",
            },
            "format": {
                "enum": ["json", "html"],
                "default": "json",
                "description": "html answers the self-contained side-by-side report page",
            },
        },
    }
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "The web page: compare two articles, find sources, browse stories",
                "operationId": "page",
                "responses": {
                    "200": {"description": "HTML page", "content": {"text/html": {}}},
                },
            }
        },
        "/static/{name}": {
            "get": {
                "summary": "The page's script and style sheet",
                "operationId": "static",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "The file"}, **_errors(404)},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description",
                "operationId": "openapi",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document")},
            }
        },
        "/api/health": {
            "get": {
                "summary": "Liveness and configuration: version, index present, workers busy",
                "operationId": "health",
                "responses": {"200": _json(_ref("Health"), "The server is up")},
            }
        },
        "/api/compare": {
            "post": {
                "summary": "Compare article a (the candidate source) with article b",
                "description": "Each article is a text or a URL. URLs are fetched with a "
                "size cap and a timeout, and refused when they resolve to a private, "
                "loopback or link-local address unless the server runs with "
                "--allow-private-urls.",
                "operationId": "compare",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": compare_request}},
                },
                "responses": {
                    "200": {
                        "description": "The report",
                        "content": {
                            "application/json": {"schema": _ref("Report")},
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(400, 411, 413, 415, 422, 500, 503, 504),
                },
            }
        },
        "/api/search": {
            "post": {
                "summary": "Rank the indexed documents that could be a source of an article",
                "operationId": "search",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SearchRequest")}},
                },
                "responses": {
                    "200": _json(_ref("SearchResponse"), "Candidate sources, best first"),
                    **_errors(400, 411, 413, 415, 422, 500, 503, 504),
                },
            }
        },
        "/api/documents": {
            "post": {
                "summary": "Add documents to the index (needs the token when the server has one)",
                "operationId": "addDocuments",
                "security": write_security,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("AddRequest")}},
                },
                "responses": {
                    "200": _json(_ref("AddResponse"), "What was added, skipped or rejected"),
                    **_errors(400, 401, 411, 413, 415, 422, 500, 503, 504),
                },
            }
        },
        "/api/documents/{id}": {
            "get": {
                "summary": "One indexed document: its metadata and text",
                "operationId": "getDocument",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json(_ref("DocumentMeta"), "The document, text included"),
                    **_errors(404, 500, 503),
                },
            },
            "delete": {
                "summary": "Remove a document from the index (needs the token when set)",
                "operationId": "removeDocument",
                "security": write_security,
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json({"type": "object"}, "The document was removed"),
                    **_errors(401, 404, 500, 503),
                },
            },
        },
        "/api/index": {
            "get": {
                "summary": "Statistics of the index",
                "operationId": "indexStats",
                "responses": {
                    "200": _json({"type": "object"}, "Counts and sizes"),
                    **_errors(500, 503),
                },
            }
        },
        "/api/duplicates": {
            "get": {
                "summary": "Duplicate documents the index found while adding",
                "operationId": "duplicates",
                "responses": {
                    "200": _json({"type": "object"}, "Pairs of duplicates"),
                    **_errors(500, 503),
                },
            }
        },
        "/api/stories": {
            "get": {
                "summary": "Stories: clusters of indexed articles telling one story",
                "operationId": "listStories",
                "responses": {
                    "200": _json({"type": "object"}, "The stories"),
                    **_errors(500, 501, 503),
                },
            }
        },
        "/api/stories/{id}": {
            "get": {
                "summary": "One story: its articles and which was derived from which",
                "operationId": "getStory",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json({"type": "object"}, "The story"),
                    **_errors(404, 500, 501, 503),
                },
            }
        },
    }
    responses: dict[str, Any] = {
        f"E{s}": _json(_ref("Error"), d) for s, d in _ERROR_DESCRIPTIONS.items()
    }
    responses["Error"] = _json(_ref("Error"), "Any other error, in the same shape")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "retold",
            "version": version,
            "description": "Find where a news article came from, and what was changed on "
            "the way. Every error is answered as "
            '{"error": {"code", "message", "status"}}.',
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Article": _ARTICLE,
                "DocumentMeta": _DOCUMENT_META,
                "Report": _REPORT,
                "Error": _ERROR,
                "SearchRequest": _SEARCH_REQUEST,
                "SearchResponse": _SEARCH_RESPONSE,
                "AddRequest": _ADD_REQUEST,
                "AddResponse": _ADD_RESPONSE,
                "Hit": _HIT,
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": {"const": "ok"},
                        "version": {"type": "string"},
                        "index": {"type": "boolean"},
                        "stories": {"type": "boolean"},
                        "workers": {"type": "integer"},
                        "busy": {"type": "integer"},
                        "token_required": {"type": "boolean"},
                        "uptime_s": {"type": "number"},
                    },
                },
            },
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
