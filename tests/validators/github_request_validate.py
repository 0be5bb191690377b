#!/usr/bin/env python3
"""Validate recorded GitHub REST API requests against GitHub's official OpenAPI description
(npm package @octokit/openapi, dereferenced api.github.com schema).

Input: a file of JSON lines {"method": "POST", "path": "/repos/o/r/check-runs", "body": {...}}.
Every request must match an operation of the description, each query parameter must be one of
the operation's (an integer one must be an integer), and a request with a body must validate
against that operation's `application/json` request schema. A line may also carry the
stand-in's answer, {"response": {"status": 200, "body": {...}}}: its body must then validate
against the operation's response schema for that status, so the stand-in models the real API.
A `POST /graphql` (or GitHub Enterprise Server's `/api/graphql`) is checked
against GitHub's GraphQL schema instead (npm package @octokit/graphql-schema, its introspection
`schema.json`, read with Python's graphql-core): the body must be `{"query": ...}` (with
`variables` at most) and the query must validate.
OpenAPI 3.0's `nullable: true` is read as JSON Schema's `null` type (`json_schema`).
Exit 1 on the first error.
"""
import json
import os
import re
import sys
import urllib.parse

import jsonschema

SPEC = os.environ.get(
    "OCTOKIT_OPENAPI",
    "/opt/octokit-openapi/node_modules/@octokit/openapi/generated/api.github.com.deref.json",
)

GRAPHQL_SCHEMA = os.environ.get(
    "OCTOKIT_GRAPHQL_SCHEMA",
    "/opt/octokit-graphql-schema/node_modules/@octokit/graphql-schema/schema.json",
)
_graphql_schema = None


def graphql_errors(body):
    """Why a GraphQL request body is not one GitHub's schema accepts ([] when it is)."""
    global _graphql_schema
    import graphql

    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return ["the body is not {\"query\": <string>}"]
    extra = set(body) - {"query", "variables"}
    if extra:
        return [f"unknown body fields {sorted(extra)}"]
    if _graphql_schema is None:
        with open(GRAPHQL_SCHEMA) as handle:
            document = json.load(handle)
        _graphql_schema = graphql.build_client_schema(document.get("data", document))
    try:
        query = graphql.parse(body["query"])
    except graphql.GraphQLError as error:
        return [error.message]
    return [error.message for error in graphql.validate(_graphql_schema, query)]


def json_schema(schema, memo=None):
    """The OpenAPI 3.0 schema as JSON Schema: `nullable: true` (which Draft 7 does not know)
    becomes `null` among the allowed types (and values, for an `enum`)."""
    if memo is None:
        memo = {}
    if isinstance(schema, list):
        return [json_schema(item, memo) for item in schema]
    if not isinstance(schema, dict):
        return schema
    key = id(schema)
    if key in memo:
        return memo[key]
    out = {}
    memo[key] = out
    for name, value in schema.items():
        out[name] = json_schema(value, memo)
    # Only the keyword: a `properties` map may name a property `nullable` (its value a schema).
    if out.get("nullable") is True:
        del out["nullable"]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
        for combiner in ("anyOf", "oneOf"):
            if isinstance(out.get(combiner), list):
                out[combiner] = out[combiner] + [{"type": "null"}]
    return out


def main(requests_file):
    with open(SPEC) as handle:
        spec = json.load(handle)
    routes = []
    for template, item in spec["paths"].items():
        # GitHub's `{path}` (a file in the contents API) is a repository path: it may hold
        # slashes (`.github/policy.yml`), as GitHub documents; every other parameter is one
        # segment.
        pattern = re.sub(r"\{path\}$", "(?P<file_path>.+)", template)
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", pattern) + "$"
        routes.append((re.compile(pattern), template, item))
    checked = 0
    with open(requests_file) as handle:
        for line in handle:
            if not line.strip():
                continue
            request = json.loads(line)
            path, _, query = request["path"].partition("?")
            if path in ("/graphql", "/api/graphql"):
                if request["method"] != "POST":
                    print(f"INVALID {request['method']} /graphql: GraphQL takes POST", file=sys.stderr)
                    return 1
                errors = graphql_errors(request.get("body"))
                if errors:
                    print(f"INVALID POST /graphql: {errors[0]}", file=sys.stderr)
                    return 1
                checked += 1
                print("ok POST /graphql (GraphQL schema)")
                continue
            method = request["method"].lower()
            matches = [(t, item) for rx, t, item in routes if rx.match(path) and method in item]
            if not matches:
                print(f"INVALID {request['method']} {path}: no such operation", file=sys.stderr)
                return 1
            template, item = matches[0]
            operation = item[method]
            parameters = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
            for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
                parameter = parameters.get(name)
                if parameter is None:
                    print(f"INVALID {request['method']} {template}: no query parameter `{name}`", file=sys.stderr)
                    return 1
                if parameter.get("schema", {}).get("type") == "integer" and not re.fullmatch(r"-?[0-9]+", value):
                    print(f"INVALID {request['method']} {template}: `{name}` must be an integer, got {value!r}", file=sys.stderr)
                    return 1
            response = request.get("response")
            if response is not None:
                described = operation.get("responses", {}).get(str(response["status"]))
                if described is None:
                    print(f"INVALID {request['method']} {template}: the stand-in answered {response['status']}, which the operation does not describe", file=sys.stderr)
                    return 1
                schema = described.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None and response.get("body") is not None:
                    errors = sorted(jsonschema.Draft7Validator(json_schema(schema)).iter_errors(response["body"]), key=str)
                    if errors:
                        print(f"INVALID response to {request['method']} {template}: {errors[0].message} at {list(errors[0].path)}", file=sys.stderr)
                        return 1
            body = request.get("body")
            if body is not None:
                schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                if schema is None:
                    print(f"INVALID {request['method']} {template}: the operation takes no JSON body", file=sys.stderr)
                    return 1
                errors = sorted(jsonschema.Draft7Validator(json_schema(schema)).iter_errors(body), key=str)
                if errors:
                    print(f"INVALID {request['method']} {template}: {errors[0].message} at {list(errors[0].path)}", file=sys.stderr)
                    return 1
            checked += 1
            print(f"ok {request['method']} {template} ({operation.get('operationId')})")
    print(f"{checked} requests valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
