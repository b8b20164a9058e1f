"""Schema validation: core kinds through kubernetes-validate's schemas, custom
resources (Istio, Argo CD, ...) through JSON schemas shipped in patcher/schemas
and from a schema location, which takes precedence for the kinds it has.

A schema location is a folder laid out as ``<group>/<kind>_<version>.json`` or a
kubeconform-style template such as
``https://example.org/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json``.
Downloaded schemas are cached under ``$XDG_CACHE_HOME/patcher/schemas``.
Validators are built once per kind and version, not per resource. Resources of
kinds with no schema anywhere are counted, so that a note can say they were not
checked rather than let them pass as valid.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import referencing
from kubernetes_validate import utils as kv

from patcher.containment import boundary, inside, regular_file
from patcher.schema_download import Downloads
from patcher.source import Diagnostic, PatcherError

SHIPPED = importlib.resources.files("patcher") / "schemas"
TEMPLATE_FIELDS = re.compile(r"\{\{\s*\.(Group|ResourceKind|ResourceAPIVersion|Kind)\s*\}\}")


@dataclass(frozen=True)
class SchemaError:
    path: tuple  # inside the resource
    message: str

    @property
    def where(self) -> str:
        return ".".join(str(p) for p in self.path) or "(root)"


def schema_location(root: Path, location: str) -> str:
    """A folder (or a template of file names) named in the settings is relative to the repository
    and must stay inside it (an absolute one came from the command line); URLs stay."""
    if not location or "://" in location or Path(location).is_absolute():
        return location
    folder = location[: location.index("{{")].rpartition("/")[0] if "{{" in location else location
    if inside(boundary(root), str(root / folder)) is None:
        raise PatcherError(f"setting 'schema-location' is '{location}', a folder outside the repository: not read",
                           hint="keep the schemas inside the repository, or give --schema-location on the "
                                "command line")
    return str(root / location)


def command_line_location(location: str) -> str:
    """A folder given on the command line is relative to the working directory, as paths there are."""
    return schema_location(Path.cwd(), location)


def _missing_folder(location: str) -> str | None:
    """The local folder a location names, when it does not exist (for a template, the part before
    its first field)."""
    if location.startswith(("http://", "https://")):
        return None
    folder = location.removeprefix("file://")
    if "{{" in folder:
        folder = folder[: folder.index("{{")].rpartition("/")[0]
        if not folder:
            return None
    return None if Path(folder).is_dir() else folder


def is_core(api_version: str) -> bool:
    group = api_version.split("/")[0] if "/" in api_version else ""
    return group == "" or "." not in group or group.endswith(".k8s.io")


COMPILE_AFTER = 0.02  # CPU seconds jsonschema spends on one kind before its fast checker is compiled


@dataclass
class _Checker:
    """One kind's schema: jsonschema for precise errors, a compiled checker for speed.

    Most resources are valid, and fastjsonschema often says so many times
    faster than jsonschema; but compiling costs from ~30 ms (a Service) to
    ~200 ms (the large Istio schemas, whose resources jsonschema checks in a
    fraction of a millisecond). So a kind's checker is compiled only once
    jsonschema has spent a while on that kind: kinds seen rarely, or checked
    quickly, never pay for compiling (on the benchmark a count of 16 instead
    made the shipped Istio schemas cost a quarter of plan's time). Whenever
    the fast check fails, jsonschema produces the errors, so what users read is
    always jsonschema's message and path, whichever checker ran.
    """

    precise: Any
    schema: dict
    definitions: dict | None = None
    spent: float = 0.0  # CPU seconds in jsonschema so far
    fast: Any = None  # None: not compiled yet; False: cannot be compiled

    def errors(self, data: dict[str, Any]) -> list[SchemaError]:
        if self.fast is None and self.spent > COMPILE_AFTER:
            self.fast = self._compile()
        if self.fast:
            try:
                self.fast(data)
                return []
            except fastjsonschema.JsonSchemaException:
                pass
        start = time.process_time()
        found = sorted(self.precise.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        self.spent += time.process_time() - start
        return [SchemaError(_error_path(e), _short(e)) for e in found]

    def _compile(self):
        draft7 = "http://json-schema.org/draft-07/schema#"
        definitions = dict(self.definitions or {}, **{"$schema": draft7})
        handlers = {"https": lambda uri: definitions} if self.definitions is not None else {}
        try:
            return fastjsonschema.compile(dict(self.schema, **{"$schema": draft7}), handlers=handlers)
        except (fastjsonschema.JsonSchemaDefinitionException, ValueError, KeyError):
            return False


class Validator:
    """Validates resources; holds the compiled schemas it has used."""

    def __init__(self, location: str | None, kubernetes_version: str | None = None,
                 cache_dir: Path | None = None) -> None:
        self.location = location or None
        if self.location and (missing := _missing_folder(self.location)) is not None:
            raise PatcherError(f"schema location '{missing}' does not exist",
                               hint="give a folder laid out as <group>/<kind>_<version>.json, or a URL template")
        self.asked_version = kubernetes_version or None
        self.version = kubernetes_version or kv.latest_version()
        self.cache_dir = cache_dir or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "patcher" / "schemas"
        self.downloads = Downloads(self.cache_dir)
        self._validators: dict[tuple[str, str], _Checker | None] = {}
        self._unchecked: dict[tuple[str, str], set[tuple[str, str]]] = {}  # kind -> resources (namespace, name)
        # a resource's content -> its errors: fix passes re-read resources no fix touched
        self._results: dict[str, list[SchemaError]] = {}

    def covers(self, data: dict[str, Any]) -> bool:
        """Whether a schema is known for the resource's kind; a resource without one is counted."""
        key = (str(data.get("apiVersion")), str(data.get("kind")))
        if key not in self._validators:
            self._validators[key] = self._build(*key)
        if self._validators[key] is not None:
            return True
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        self._unchecked.setdefault(key, set()).add((str(meta.get("namespace", "")), str(meta.get("name", ""))))
        return False

    def errors(self, data: dict[str, Any]) -> list[SchemaError] | None:
        """Schema errors of one resource; None when no schema is known for its kind."""
        if not self.covers(data):
            return None
        key = repr(data)  # insertion order counts, which only makes a rare miss
        if key not in self._results:
            self._results[key] = self._validators[(str(data.get("apiVersion")), str(data.get("kind")))].errors(data)
        return self._results[key]

    def unchecked_note(self) -> list[Diagnostic]:
        """Notes on what was not checked: schema servers that failed, and a count of the
        resources of kinds with no schema (none when every resource had one)."""
        failed = self.downloads.notes()
        if not self._unchecked:
            return failed
        total = sum(len(names) for names in self._unchecked.values())
        listed = ", ".join(f"{kind} {api_version} ({len(names)})"
                           for (api_version, kind), names in sorted(self._unchecked.items(), key=lambda i: i[0][::-1]))
        subject = "resource of a kind with no schema was" if total == 1 else "resources of kinds with no schema were"
        return failed + [Diagnostic(".", f"{total} {subject} not checked: {listed}",
                                    hint="give the schemas with --schema-location or the schema-location setting",
                                    level="note")]

    def _build(self, api_version: str, kind: str):
        if is_core(api_version):
            return self._core(api_version, kind)
        schema = self._custom(api_version, kind)
        if schema is None:
            return None
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        return _Checker(cls(schema), schema)

    def _core(self, api_version: str, kind: str):
        version = [v for v in kv.all_versions() if kv.major_minor(v) <= kv.major_minor(self.version)][-1]
        folder = f"kubernetes-json-schema/v{version}-local-strict"
        short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        try:
            schema = kv.schema_contents(f"{folder}/{kind.lower()}-{short}.json", self.version)
        except (FileNotFoundError, kv.VersionNotSupportedError):
            return None
        definitions = kv.schema_contents(f"{folder}/_definitions.json", self.version)
        registry = referencing.Resource.from_contents(definitions) @ (
            referencing.Resource.from_contents(schema) @ referencing.Registry())
        return _Checker(jsonschema.Draft202012Validator(schema, registry=registry), schema, definitions)

    def _custom(self, api_version: str, kind: str) -> dict | None:
        if "/" not in api_version:
            return None
        group, version = api_version.split("/", 1)
        found = self._from_location(group, version, kind) if self.location else None
        if found is None:
            shipped = SHIPPED / group / f"{kind.lower()}_{version}.json"
            found = json.loads(shipped.read_text(encoding="utf-8")) if shipped.is_file() else None
        return found

    def _from_location(self, group: str, version: str, kind: str) -> dict | None:
        values = {"Group": group, "ResourceKind": kind.lower(), "Kind": kind, "ResourceAPIVersion": version}
        if "{{" in self.location:
            target = TEMPLATE_FIELDS.sub(lambda m: values[m.group(1)], self.location)
        else:  # a folder, or a URL laid out as one
            target = f"{self.location.rstrip('/')}/{group}/{kind.lower()}_{version}.json"
        if target.startswith(("http://", "https://")):
            return self._download(target)
        path = Path(target.removeprefix("file://"))
        if not regular_file(path):  # missing, a FIFO (reading would block), a link loop
            return None
        try:
            return json.loads(path.read_bytes())
        except OSError as exc:
            raise PatcherError(f"cannot read the schema: {exc.strerror}", str(path)) from None
        except ValueError as exc:  # not JSON, or not UTF-8
            raise PatcherError(f"schema is not valid JSON: {exc}", str(path)) from None

    def _download(self, url: str) -> dict | None:
        return self.downloads.schema(url)


def _error_path(error: jsonschema.ValidationError) -> tuple:
    """Where the error is; for an unexpected key, the key itself rather than its parent."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted((k for k in error.instance if k not in known), key=str)  # keys may be 1 or a date
        if extra:
            return path + (extra[0],)
    return path


def _short(error: jsonschema.ValidationError) -> str:
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."
