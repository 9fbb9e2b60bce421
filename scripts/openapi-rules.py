#!/usr/bin/env python3
"""Writes what fleetd checks of every request, taken from docs/openapi.yaml, as a Swift file.

scripts/generate-openapi runs it. The swift-openapi-generator code decodes types, required
members and enums but ignores bounds (minimum, maximum, maxLength, maxItems, pattern): fleetd's
request validator reads this file instead, so the document is the only place a bound is written.

For each operation: its parameters and request body with every $ref resolved and only the
keywords the validator implements (an unknown keyword in a request schema is an error here, so
no bound is silently left unchecked), the body cap (`x-fleet-max-body-bytes`, else the default),
and for each path the methods it declares (for 405 answers).

usage: openapi-rules.py docs/openapi.yaml OUTPUT.swift
"""
import json
import sys

import yaml

# Keywords the Swift validator (Sources/FleetAPI/Validation) enforces.
CHECKED = {
    "type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "format",
    "items", "minItems", "maxItems", "properties", "required", "additionalProperties", "maxProperties",
    "x-fleet-expects",  # what a pattern means, in words, for the error message
}
# Keywords that carry no bound, or that the generated decoder already enforces.
IGNORED = {"description", "example", "examples", "contentEncoding", "title", "default"}
FORMATS = {"date-time", "int64", "int32", "double", "float"}
DEFAULT_MAX_BODY = 64 * 1024
METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = document
        for part in path:
            node = node[part]
    return node


def reduce_schema(document, schema, where):
    schema = resolve(document, schema)
    reduced = {}
    for key, value in schema.items():
        if key in IGNORED:
            continue
        if key not in CHECKED:
            sys.exit(f"openapi-rules: {where}: keyword '{key}' is not checked by fleetd's validator")
        if key == "format" and value not in FORMATS:
            sys.exit(f"openapi-rules: {where}: format '{value}' is not checked by fleetd's validator")
        if key == "items":
            reduced[key] = reduce_schema(document, value, f"{where}.items")
        elif key == "properties":
            reduced[key] = {name: reduce_schema(document, member, f"{where}.{name}") for name, member in value.items()}
        elif key == "additionalProperties":
            reduced[key] = value if isinstance(value, bool) else reduce_schema(document, value, f"{where}.*")
        elif key == "x-fleet-expects":
            reduced["expects"] = value
        else:
            reduced[key] = value
    return reduced


def rules(document):
    operations, paths = {}, {}
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        paths[path] = [method.upper() for method in METHODS if method in item]
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            op_id = operation["operationId"]
            parameters = []
            for parameter in shared + operation.get("parameters", []):
                parameter = resolve(document, parameter)
                where = f"{op_id}.{parameter['name']}"
                parameters.append({
                    "name": parameter["name"], "in": parameter["in"],
                    "required": parameter.get("required", False),
                    "schema": reduce_schema(document, parameter.get("schema", {}), where),
                })
            body = None
            if "requestBody" in operation:
                request_body = resolve(document, operation["requestBody"])
                content = request_body.get("content", {})
                if list(content) != ["application/json"]:
                    sys.exit(f"openapi-rules: {op_id}: request bodies must be application/json only")
                body = {
                    "required": request_body.get("required", False),
                    "schema": reduce_schema(document, content["application/json"].get("schema", {}), f"{op_id}.body"),
                }
            operations[op_id] = {
                "method": method.upper(), "path": path, "parameters": parameters, "body": body,
                "maxBodyBytes": operation.get("x-fleet-max-body-bytes", DEFAULT_MAX_BODY),
            }
    return {"operations": operations, "paths": paths}


def main():
    source, output = sys.argv[1], sys.argv[2]
    with open(source) as handle:
        document = yaml.safe_load(handle)
    text = json.dumps(rules(document), sort_keys=True, separators=(",", ":"))
    if '"""#' in text:
        sys.exit("openapi-rules: the rules contain the Swift raw-string terminator")
    with open(output, "w") as handle:
        handle.write("// Written by scripts/generate-openapi (scripts/openapi-rules.py) from docs/openapi.yaml:\n")
        handle.write("// every operation's parameters, request body schema and body cap, for RequestRules.\n")
        handle.write("enum RequestRulesDocument {\n")
        handle.write(f'    static let json = #"""\n{text}\n"""#\n')
        handle.write("}\n")


if __name__ == "__main__":
    main()
