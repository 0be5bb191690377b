#!/usr/bin/env python3
"""Validates OpenLineage event files offline.

Each file is a JSON array of RunEvents (`openlineage_events.json`). Every event is checked
against the official spec schema (OpenLineage.json, `#/$defs/RunEvent`), and every facet it
carries against its own facet schema, all vendored in tests/openlineage/schemas/ (see the
README there) and resolved through a `referencing` registry, so no `$ref` goes to the network.
Then each event is parsed by openlineage-python (`openlineage.client.event_v2.RunEvent` with the
generated facet classes). Prints one JSON summary line per file; exits 1 on the first problem.
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "openlineage" / "schemas"


def registry():
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def check_schema(ref, instance, reg, what):
    validator = jsonschema.Draft202012Validator(
        {"$ref": ref}, registry=reg, format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        raise ValueError(f"{what}: {e.message} at {list(e.absolute_path)}")


def facets_of(event):
    """Every (where, name, facet) the event carries."""
    yield from (("run", k, v) for k, v in event["run"].get("facets", {}).items())
    yield from (("job", k, v) for k, v in event["job"].get("facets", {}).items())
    for side in ("inputs", "outputs"):
        for d in event.get(side, []):
            for key in ("facets", "inputFacets", "outputFacets"):
                yield from ((f"{side}.{key}", k, v) for k, v in d.get(key, {}).items())


def parse_with_client(event):
    from openlineage.client import event_v2
    from openlineage.client.generated import (
        data_quality_assertions_dataset,
        error_message_run,
        output_statistics_output_dataset,
        parent_run,
        processing_engine_run,
        test_run,
    )
    from openlineage.client.serde import Serde

    classes = {
        "parent": parent_run.ParentRunFacet,
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet,
        "errorMessage": error_message_run.ErrorMessageRunFacet,
        "test": test_run.TestRunFacet,
        "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet,
        "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet,
    }

    def build(name, body):
        cls = classes[name]
        fields = {k: v for k, v in body.items() if not k.startswith("_")}
        if name == "parent":
            fields = {
                "run": parent_run.Run(runId=body["run"]["runId"]),
                "job": parent_run.Job(**body["job"]),
            }
        elif name == "test":
            fields = {"tests": [test_run.TestExecution(**t) for t in body["tests"]]}
        elif name == "dataQualityAssertions":
            fields = {
                "assertions": [
                    data_quality_assertions_dataset.Assertion(**a) for a in body["assertions"]
                ]
            }
        facet = cls(**fields)
        if facet._schemaURL != body["_schemaURL"]:
            raise ValueError(f"{name}: _schemaURL {body['_schemaURL']} is not the client's {facet._schemaURL}")
        return facet

    def dataset(d, cls, extra):
        kw = {"namespace": d["namespace"], "name": d["name"],
              "facets": {k: build(k, v) for k, v in d.get("facets", {}).items()}}
        for key in extra:
            kw[key] = {k: build(k, v) for k, v in d.get(key, {}).items()}
        return cls(**kw)

    parsed = event_v2.RunEvent(
        eventType=event_v2.RunState[event["eventType"]],
        eventTime=event["eventTime"],
        run=event_v2.Run(runId=event["run"]["runId"],
                         facets={k: build(k, v) for k, v in event["run"]["facets"].items()}),
        job=event_v2.Job(namespace=event["job"]["namespace"], name=event["job"]["name"]),
        producer=event["producer"],
        inputs=[dataset(d, event_v2.InputDataset, ["inputFacets"]) for d in event.get("inputs", [])],
        outputs=[dataset(d, event_v2.OutputDataset, ["outputFacets"]) for d in event.get("outputs", [])],
    )
    if parsed.schemaURL != event["schemaURL"]:
        raise ValueError(f"schemaURL {event['schemaURL']} is not the client's {parsed.schemaURL}")
    # The client's own serialisation reads back as the same event.
    again = json.loads(Serde.to_json(parsed))
    if again["run"]["runId"] != event["run"]["runId"] or sorted(again["run"]["facets"]) != sorted(event["run"]["facets"]):
        raise ValueError("the client's serialisation differs")


def validate(path):
    reg = registry()
    events = json.loads(pathlib.Path(path).read_text())
    if not isinstance(events, list) or not events:
        raise ValueError("expected a non-empty JSON array of RunEvents")
    facets = []
    for event in events:
        check_schema("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", event, reg, "RunEvent")
        for where, name, facet in facets_of(event):
            ref = facet["_schemaURL"]
            if not ref.startswith("https://openlineage.io/spec/facets/"):
                raise ValueError(f"{where}.{name}: not an official facet: {ref}")
            check_schema(ref, facet, reg, f"{where}.{name}")
            facets.append(f"{where}.{name}")
        parse_with_client(event)
    import openlineage.client as client_pkg
    from importlib.metadata import version
    return {"file": str(path), "events": len(events), "facets": sorted(set(facets)),
            "openlineage_python": version("openlineage-python")}


# The formats the schemas use: a format jsonschema cannot check (`uri` needs
# rfc3986-validator, `date-time` rfc3339-validator) would pass silently.
FORMATS = ("date-time", "uri", "uuid")


def main():
    if len(sys.argv) < 2:
        print("usage: openlineage_validate.py FILE...", file=sys.stderr)
        sys.exit(2)
    unchecked = [f for f in FORMATS if f not in jsonschema.FormatChecker().checkers]
    if unchecked:
        print(f"jsonschema cannot check the formats {unchecked}: install rfc3986-validator "
              "and rfc3339-validator", file=sys.stderr)
        sys.exit(1)
    for path in sys.argv[1:]:
        try:
            print(json.dumps(validate(path), sort_keys=True))
        except Exception as err:  # noqa: BLE001 - any failure is a rejection, said plainly
            print(f"{path}: {type(err).__name__}: {err}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
