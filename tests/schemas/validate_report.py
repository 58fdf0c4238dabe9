#!/usr/bin/env python3
"""Checks a JSON report of isapi-loadgen against its schema in docs/schemas/.

    validate_report.py SCHEMA_DIR REPORT REPORT.json [--strict]

REPORT names the schema: run, swap, swap-bench or race
(SCHEMA_DIR/REPORT.schema.json; a schema may $ref another one of the folder
by its $id). Exits 1 with the validation error when the report does not
match. --strict also proves the schema would notice a renamed or a missing
field: each field of the report's objects, in turn, is renamed and then
removed, and each such copy must fail; a copy that passes is named and the
exit status is 1.
"""
import copy
import json
import pathlib
import sys

import jsonschema

URN_PREFIX = "urn:isapi-harness:schema:"
URL_PREFIX = "https://isapi-harness.invalid/schema/"


def load_schemas(folder):
    return {s["$id"]: s for s in (json.loads(p.read_text()) for p in sorted(pathlib.Path(folder).glob("*.schema.json")))}


def validator_for(schemas, schema):
    try:  # jsonschema 4.18 and later resolve $ref through a registry
        from referencing import Registry, Resource

        registry = Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in schemas.items())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:  # Debian 12's jsonschema 4.10
        # Its RefResolver joins a relative "#/$defs/..." onto the scope with
        # urljoin, which leaves a URN's fragment unjoined: the ref then points
        # into the wrong schema. The same ids as https URLs join as they should.
        def as_url(node):
            return json.loads(json.dumps(node).replace(URN_PREFIX, URL_PREFIX))

        schema = as_url(schema)
        resolver = jsonschema.RefResolver.from_schema(schema, store={s["$id"]: s for s in map(as_url, schemas.values())})
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def first_error(validator, document):
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(the top level)"
    return f"at {where}: {error.message}"


def field_paths(node, path=()):
    """Every (object path, key) of the document's objects, arrays walked."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key
            yield from field_paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from field_paths(value, path + (i,))


def mutants(document, free_keys):
    """Copies of the document with one field renamed or removed."""
    for path, key in field_paths(document):
        if path and path[-1] in free_keys:  # a map (builds, by_class): its keys are data
            continue
        for how in ("renamed", "removed"):
            copy_ = copy.deepcopy(document)
            parent = copy_
            for step in path:
                parent = parent[step]
            value = parent.pop(key)
            if how == "renamed":
                parent[key + "_renamed"] = value
            yield f"{'/'.join(map(str, path + (key,)))} {how}", copy_


def main(argv):
    if len(argv) not in (4, 5) or (len(argv) == 5 and argv[4] != "--strict"):
        print(__doc__, file=sys.stderr)
        return 64
    folder, report, path = argv[1], argv[2], argv[3]
    schemas = load_schemas(folder)
    schema_file = pathlib.Path(folder) / f"{report}.schema.json"
    schema = json.loads(schema_file.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = validator_for(schemas, schema)
    document = json.loads(pathlib.Path(path).read_text())
    error = first_error(validator, document)
    if error:
        print(f"{path} does not match {schema_file}: {error}")
        return 1
    print(f"{path} matches {schema_file}")
    if len(argv) == 5:
        # Maps whose keys are data, not field names.
        free = set(schema.get("x-free-keys", []))
        for ref in schemas.values():
            free |= set(ref.get("x-free-keys", []))
        accepted = [what for what, mutant in mutants(document, free) if first_error(validator, mutant) is None]
        if accepted:
            print(f"{schema_file} is not strict: it accepts the report with " + "; ".join(accepted))
            return 1
        print(f"{schema_file} refuses every renamed or missing field")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
