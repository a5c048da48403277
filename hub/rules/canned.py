"""Canned responses: safe placeholder rendering (the reads, the reply box's "/" search
and a customer's placeholder values, are in ``hub.queries.canned``).

A template is plain text with ``{{ noun.field }}`` placeholders from ``PLACEHOLDERS``
and nothing else: no filters, calls, tags or other expressions. That is checked on
the parsed template when it is saved (``validate_template`` raises ``Invalid``) and
again before every render. Rendering runs in Jinja2's immutable sandbox over plain
dicts of strings built by ``hub.queries.canned.template_context`` — never model objects — so even a
template that slipped past validation cannot reach attributes (``__class__``...).
The result is plain text, not HTML: values are inserted verbatim and never
re-evaluated, and whoever displays it escapes it (the console's autoescape does).
A placeholder whose value is unknown for this customer renders empty.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hub.errors import Invalid

# Every placeholder a canned response may use, with what it stands for.
PLACEHOLDERS: dict[str, str] = {
    "customer.name": "the customer's full name",
    "customer.first_name": "the customer's first name",
    "customer.email": "the customer's email address",
    "customer.phone": "the customer's phone number",
    "order.number": "number of the customer's latest order",
    "order.status": "status of the customer's latest order",
    "order.total": "total of the customer's latest order, e.g. 12.50 USD",
    "order.pickup_location": "pickup location of the customer's latest order",
    "agent.name": "the replying agent's name",
    "agent.first_name": "the replying agent's first name",
}

Context = dict[str, dict[str, str]]

_env = ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def _placeholder_path(node: nodes.Node) -> str | None:
    """``customer.first_name`` for ``{{ customer.first_name }}``; None for anything else."""
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return f"{node.node.name}.{node.attr}"
    return None


def validate_template(body: str) -> list[str]:
    """Check ``body`` and return the placeholders it uses; ``Invalid`` names the problem."""
    try:
        tree = _env.parse(body)
    except TemplateSyntaxError as exc:
        raise Invalid(f"line {exc.lineno}: {exc.message}", code="invalid_template") from exc
    used: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            raise Invalid(
                "only {{ placeholders }} are allowed, no {% tags %}", code="invalid_template"
            )
        for part in statement.nodes:
            if isinstance(part, nodes.TemplateData):
                continue
            path = _placeholder_path(part)
            if path is None or path not in PLACEHOLDERS:
                shown = path or "that expression"
                raise Invalid(
                    f"unknown placeholder {shown}; use one of {', '.join(PLACEHOLDERS)}",
                    code="unknown_placeholder",
                )
            used.append(path)
    return used


def render_template(body: str, context: Mapping[str, Mapping[str, str]]) -> str:
    """Render a canned response to plain text with ``context``'s plain string values."""
    validate_template(body)
    values = {
        noun: {field: str(context.get(noun, {}).get(field) or "") for field in fields}
        for noun, fields in _fields_by_noun().items()
    }
    return _env.from_string(body).render(values)


def _fields_by_noun() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for path in PLACEHOLDERS:
        noun, field = path.split(".", 1)
        grouped.setdefault(noun, []).append(field)
    return grouped
