#!/usr/bin/env python3
"""Validate documents against the JSON Schemas in docs/schema/ with `jsonschema` (draft 2020-12).

Usage: schema_validate.py SCHEMA_DIR < jobs.json

`jobs.json` is a JSON array of `{"schema": NAME, "label": TEXT, "path": FILE}` or
`{"schema": NAME, "label": TEXT, "document": VALUE}`, where NAME is a schema file name in
SCHEMA_DIR without `.schema.json`. Every schema file in SCHEMA_DIR is first checked with
`Draft202012Validator.check_schema` (a broken schema exits 2).

Each document is validated twice: against the published schema, and against a closed copy in
which every object schema that declares `properties` also says `unevaluatedProperties: false`.
The published schemas admit unknown fields (fields are added within a major version); the
closed copy catches a field the tool writes that the schema does not declare.

Prints one JSON line per job: `{"label", "errors", "undeclared"}`, each a list of messages
(`errors`: the published schema; `undeclared`: what only the closed copy rejects; at most five
each, then a count). Exits 0
when every job was read, whatever the verdicts: the caller decides which jobs must fail.
"""
import copy
import json
import os
import sys

from jsonschema import Draft202012Validator


def close(node):
    """The closed copy: object schemas with `properties` admit nothing else."""
    if isinstance(node, dict):
        out = {key: close(value) for key, value in node.items()}
        types = node.get("type")
        is_object = types == "object" or (isinstance(types, list) and "object" in types)
        if is_object and "properties" in node and not isinstance(
            node.get("additionalProperties"), dict
        ):
            if node.get("additionalProperties") is not False:
                out.pop("additionalProperties", None)
                out["unevaluatedProperties"] = False
        return out
    if isinstance(node, list):
        return [close(item) for item in node]
    return node


def messages(validator, document):
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{where}: {error.message[:300]}")
    return found


def shorten(found, keep=5):
    """At most `keep` messages, then how many more there are."""
    if len(found) <= keep:
        return found
    return found[:keep] + [f"... and {len(found) - keep} more"]


def main():
    schema_dir = sys.argv[1]
    validators = {}
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith(".schema.json"):
            continue
        with open(os.path.join(schema_dir, name), encoding="utf-8") as handle:
            schema = json.load(handle)
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as err:  # noqa: BLE001 - any failure is a broken schema
            print(f"{name} is not a valid draft 2020-12 schema: {err}", file=sys.stderr)
            return 2
        closed = close(copy.deepcopy(schema))
        Draft202012Validator.check_schema(closed)
        validators[name[: -len(".schema.json")]] = (
            Draft202012Validator(schema),
            Draft202012Validator(closed),
        )
    jobs = json.load(sys.stdin)
    for job in jobs:
        published, strict = validators[job["schema"]]
        if "path" in job:
            with open(job["path"], encoding="utf-8") as handle:
                document = json.load(handle)
        else:
            document = job["document"]
        errors = messages(published, document)
        undeclared = [m for m in messages(strict, document) if m not in errors]
        print(
            json.dumps(
                {"label": job["label"], "errors": shorten(errors), "undeclared": shorten(undeclared)}
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
