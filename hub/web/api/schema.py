"""A small declarative schema layer: one declaration both validates input and documents it.

Each ``Schema`` checks a decoded JSON value (``validate``) and renders itself as a
JSON Schema fragment for the OpenAPI document (``json_schema``), so what the API
accepts and what ``openapi.json`` says it accepts cannot drift apart. Validation
failures raise ``hub.errors.Invalid`` (422) whose message names the offending field,
e.g. ``items[2].quantity: must be at least 1``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.errors import Invalid

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _fail(path: str, message: str) -> Invalid:
    return Invalid(f"{path}: {message}" if path else message, code="invalid")


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_text(text: str, path: str) -> str:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in text:
        raise _fail(path, "must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _fail(path, "must be valid Unicode text") from exc
    return text


@dataclass
class Schema:
    """Base class: ``validate`` returns the cleaned value or raises ``Invalid``.

    Every schema may be ``nullable`` and carry a ``description`` (keyword-only, so
    each kind's own fields keep their order)."""

    nullable: bool = field(default=False, kw_only=True)
    description: str = field(default="", kw_only=True)

    def validate(self, value: Any, path: str = "") -> Any:
        if value is None:
            if self.nullable:
                return None
            raise _fail(path, "must not be null")
        return self._validate(value, path)

    def _validate(self, value: Any, path: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        schema = self._json_schema()
        if self.nullable:
            kind = schema.get("type")
            if isinstance(kind, str):
                schema["type"] = [kind, "null"]
            elif "$ref" in schema:
                schema = {"anyOf": [schema, {"type": "null"}]}
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        if self.description:
            schema["description"] = self.description
        return schema

    def _json_schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class Str(Schema):
    min_length: int = 0
    max_length: int | None = None
    enum: Sequence[str] | None = None
    pattern: str | None = None
    format: str | None = None
    strip: bool = True

    def _validate(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _fail(path, f"must be a string, not {_type_name(value)}")
        text = check_text(value.strip() if self.strip else value, path)
        if len(text) < self.min_length:
            raise _fail(
                path,
                "must not be empty"
                if self.min_length == 1
                else f"must be at least {self.min_length} characters",
            )
        if self.max_length is not None and len(text) > self.max_length:
            raise _fail(path, f"must be at most {self.max_length} characters")
        if self.pattern is not None and not re.search(self.pattern, text):
            raise _fail(path, f"must match {self.pattern}")
        if self.enum is not None and text not in self.enum:
            raise _fail(path, f"must be one of {', '.join(self.enum)}")
        return text

    def _json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern:
            schema["pattern"] = self.pattern
        if self.format:
            schema["format"] = self.format
        return schema


@dataclass
class Int(Schema):
    minimum: int | None = None
    maximum: int | None = INT64_MAX

    def _validate(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"must be an integer, not {_type_name(value)}")
        if self.minimum is not None and value < self.minimum:
            raise _fail(path, f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise _fail(path, f"must be at most {self.maximum}")
        return value

    def parse(self, raw: str, path: str) -> int:
        """An integer from a query or path string."""
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
            raise _fail(path, "must be an integer")
        return self._validate(int(text), path)

    def _json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass
class Bool(Schema):
    def _validate(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise _fail(path, f"must be true or false, not {_type_name(value)}")
        return value

    def _json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass
class DateTime(Schema):
    """An RFC 3339 timestamp with an offset; returned as an aware UTC ``datetime``."""

    def _validate(self, value: Any, path: str) -> datetime:
        if not isinstance(value, str):
            raise _fail(path, f"must be a date-time string, not {_type_name(value)}")
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise _fail(path, "must include a UTC offset, e.g. 2024-05-01T10:00:00Z")
            return parsed.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise _fail(path, "must be an RFC 3339 date-time, e.g. 2024-05-01T10:00:00Z") from exc

    def _json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


@dataclass
class Arr(Schema):
    items: Schema
    max_items: int | None = None

    def _validate(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise _fail(path, f"must be an array, not {_type_name(value)}")
        if self.max_items is not None and len(value) > self.max_items:
            raise _fail(path, f"must have at most {self.max_items} entries")
        return [self.items.validate(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def _json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.items.json_schema()}
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


@dataclass
class Obj(Schema):
    """A JSON object with declared properties; unknown properties are refused
    (``extra=False``) so a misspelt field is an error, not silently ignored."""

    properties: Mapping[str, Schema]
    required: Sequence[str] = ()
    extra: bool = False

    def _validate(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(path, f"must be a JSON object, not {_type_name(value)}")
        prefix = f"{path}." if path else ""
        if not self.extra:
            unknown = sorted(set(value) - set(self.properties))
            if unknown:
                raise _fail(path, f"unknown field {prefix}{unknown[0]}")
        for name in self.required:
            if name not in value:
                raise _fail(path, f"{prefix}{name} is required")
        return {
            name: schema.validate(value[name], f"{prefix}{name}")
            for name, schema in self.properties.items()
            if name in value
        }

    def _json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {k: v.json_schema() for k, v in self.properties.items()},
            "additionalProperties": self.extra,
        }
        if self.required:
            schema["required"] = list(self.required)
        return schema


@dataclass
class Ref(Schema):
    """A named schema in ``components/schemas`` (documentation only, never validated)."""

    name: str

    def _validate(self, value: Any, path: str) -> Any:  # pragma: no cover - docs only
        return value

    def _json_schema(self) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{self.name}"}


@dataclass
class Param:
    """A query or path parameter: its name, schema, and whether it must be present."""

    name: str
    schema: Str | Int
    required: bool = False
    description: str = ""
    location: str = "query"

    def parse(self, raw: str | None) -> Any:
        if raw is None:
            if self.required:
                raise _fail(self.name, "is required")
            return None
        if isinstance(self.schema, Int):
            return self.schema.parse(raw, self.name)
        return self.schema.validate(raw, self.name)

    def openapi(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "schema": self.schema.json_schema(),
        }
        if self.description:
            doc["description"] = self.description
        return doc


@dataclass
class Body:
    """A JSON request body."""

    schema: Obj
    description: str = ""
    examples: dict[str, Any] = field(default_factory=dict)
