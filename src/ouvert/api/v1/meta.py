"""The API describing itself: its OpenAPI document and a documentation page made from it."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import markdown
from ouvert.core.i18n import current_language

from . import schema
from .registry import API, PREFIX, Param, Response

TAG = API.tag("documentation", gettext_lazy("This documentation, for people and for programs."))
METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@API.operation("GET", "/openapi.json", summary=gettext_lazy("The OpenAPI document"), tag=TAG,
               responses={200: Response(gettext_lazy("The OpenAPI 3.1 description of this API."), {"type": "object"})},
               description=gettext_lazy("What this page describes, for programs; texts in the caller's language."))
def openapi_document(call):
    return schema.build()


@API.operation("GET", "/docs", summary=gettext_lazy("The documentation page"), tag=TAG,
               params=(Param("lang", {"type": "string", "enum": ["fr", "en"]}, gettext_lazy(
                   "The page's language (default: the browser's).")),),
               responses={200: Response(gettext_lazy("This API's documentation, as a web page."),
                                        {"type": "string"}, content_type="text/html")},
               description=gettext_lazy("Every operation with its parameters, body and answers."))
def documentation(call):
    language = call.params.get("lang") or current_language()
    with translation.override(language):
        context = page_context(schema.build())
        context["language"] = language
        context["other_language"] = "en" if language == "fr" else "fr"
        return render(call.request, "api/v1_docs.html", context)


# --- the page, from the document -----------------------------------------------------------

def _anchor(name: str) -> str:
    return f"schema-{name}"


def type_label(schema: dict):
    """What a schema accepts, in a few words, with links to named schemas."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return format_html('<a href="#{}">{}</a>', _anchor(name), name)
    if "anyOf" in schema:
        return format_html_join(" | ", "{}", ((type_label(s),) for s in schema["anyOf"]))
    kinds = schema.get("type", "")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        rest = [k for k in kinds if k != "array"]
        label = format_html(_("array of {}"), type_label(schema.get("items", {})))
        return format_html("{}{}", label, " | " + " | ".join(rest) if rest else "")
    text = " | ".join(kinds) or _("any")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if "enum" in schema:
        return format_html("{}: {}", text, ", ".join("null" if v is None else str(v) for v in schema["enum"]))
    return text


def _limits(schema: dict) -> str:
    parts = []
    for key, label in (("minimum", _("min. %s")), ("maximum", _("max. %s")), ("maxLength", _("at most %s characters")),
                       ("maxItems", _("at most %s items")), ("default", _("default: %s"))):
        if key in schema:
            value = schema[key]
            parts.append(label % (str(value).lower() if isinstance(value, bool) else value))
    return "; ".join(parts)


def _rows(schema: dict) -> list[dict]:
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append({"name": name, "type": type_label(prop), "required": name in required,
                     "description": prop.get("description", ""), "limits": _limits(prop)})
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        rows.append({"name": _("any key"), "type": type_label(extra), "required": False, "description": "",
                     "limits": _limits(extra)})
    return rows


def page_context(document: dict) -> dict:
    groups: dict[str, list] = {tag["name"]: [] for tag in document["tags"]}
    for path, item in document["paths"].items():
        for method in METHOD_ORDER:
            if method not in item:
                continue
            operation = item[method]
            groups.setdefault(operation["tags"][0], []).append({
                "id": operation["operationId"], "method": method.upper(), "path": path,
                "summary": operation["summary"], "description": markdown.render(operation.get("description", "")),
                "authenticated": {} not in operation["security"],
                "parameters": [{"name": p["name"], "in": p["in"], "type": type_label(p["schema"]),
                                "required": p["required"], "description": p["description"],
                                "limits": _limits(p["schema"])} for p in operation.get("parameters", [])],
                "bodies": [{"media_type": media, "type": type_label(content["schema"])}
                           for media, content in operation.get("requestBody", {}).get("content", {}).items()],
                "responses": [{"status": status, "description": response["description"],
                               "type": type_label(next(iter(response["content"].values()))["schema"])
                               if response.get("content") else ""}
                              for status, response in operation["responses"].items()],
            })
    tags = [{"name": tag["name"], "description": tag["description"], "operations": groups[tag["name"]]}
            for tag in document["tags"] if groups.get(tag["name"])]
    schemas = [{"name": name, "anchor": _anchor(name), "description": s.get("description", ""), "rows": _rows(s)}
               for name, s in sorted(document["components"]["schemas"].items())]
    return {"document": document, "info": document["info"], "intro": markdown.render(document["info"]["description"]),
            "tags": tags, "schemas": schemas, "openapi_url": f"{PREFIX}/openapi.json"}
