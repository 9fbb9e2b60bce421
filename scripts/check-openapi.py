#!/usr/bin/env python3
"""Checks a live fleetd's control socket against docs/openapi.yaml.

Calls every operation of the document at least once (on the VMs named on the command line),
and checks each answer: its status is one the document declares for that operation, its
content type is the declared one, and its body validates against the declared schema (JSON
Schema 2020-12, RFC 3339 date-times). Fails if any operation was not exercised with a success.

  scripts/check-openapi.py SOCKET --agent-vm VM --scripted-vm VM --scratch DIR [--spec docs/openapi.yaml]

The scripted VM receives the actions that must never reach an agent on this machine (freeze,
fstrim, set-time, shutdown, passwords, ssh keys): point it at a scripted guest.
"""
import argparse
import base64
import datetime
import http.client
import json
import os
import re
import socket
import sys

import jsonschema
import yaml


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


def rfc3339(value):
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(rfc3339)


class Checker:
    def __init__(self, spec, socket_path):
        self.spec = spec
        self.socket_path = socket_path
        self.failures = []
        self.succeeded = set()
        self.routes = []
        for path, methods in spec["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"
            for method, operation in methods.items():
                self.routes.append((method.upper(), re.compile(pattern), path, operation))

    def operation(self, method, path):
        bare = path.split("?")[0]
        for m, pattern, template, operation in self.routes:
            if m == method and pattern.match(bare):
                return template, operation
        return None, None

    def schema(self, schema):
        # Validate with the document's components reachable from the schema's own root.
        return dict(schema, components=self.spec["components"])

    def call(self, method, path, body=None, expect=None):
        template, operation = self.operation(method, path)
        label = f"{method} {path}"
        if operation is None:
            self.failures.append(f"{label}: no such operation in the document")
            return None
        connection = UnixConnection(self.socket_path)
        headers = {}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        status = str(response.status)
        declared = operation["responses"]
        spec_response = declared.get(status) or declared.get("default")
        if spec_response is None:
            self.failures.append(f"{label}: status {status} is not declared")
            return None
        if "$ref" in spec_response:
            name = spec_response["$ref"].split("/")[-1]
            spec_response = self.spec["components"]["responses"][name]
        if expect is not None and response.status != expect:
            self.failures.append(f"{label}: expected {expect}, got {status}: {raw[:300]!r}")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        contents = spec_response.get("content", {})
        if content_type not in contents:
            self.failures.append(f"{label}: content type {content_type!r} not in {sorted(contents)}")
            return None
        schema = contents[content_type]["schema"]
        if content_type == "application/json":
            value = json.loads(raw)
            errors = sorted(jsonschema.Draft202012Validator(self.schema(schema), format_checker=FORMATS).iter_errors(value), key=str)
            for error in errors[:5]:
                where = "/".join(str(p) for p in error.absolute_path)
                self.failures.append(f"{label}: {where}: {error.message}")
        else:
            value = raw.decode()
        if 200 <= response.status < 300 and not (expect is not None and response.status != expect):
            self.succeeded.add((method, template))
        return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("--agent-vm", required=True)
    parser.add_argument("--scripted-vm", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--spec", default=os.path.join(os.path.dirname(__file__), "..", "docs", "openapi.yaml"))
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = yaml.safe_load(f)
    c = Checker(spec, args.socket)
    a, s = args.agent_vm, args.scripted_vm

    c.call("GET", "/v1/whoami", expect=200)
    c.call("GET", "/v1/status", expect=200)
    c.call("GET", "/v1/vms", expect=200)
    c.call("GET", "/v1/vms?state=responsive,frozen&name=*&address=0.0.0.0/0&os=a", expect=200)
    c.call("GET", "/v1/vms?state=bogus", expect=400)
    c.call("GET", f"/v1/vms/{a}", expect=200)
    c.call("GET", f"/v1/vms/{s}", expect=200)
    c.call("GET", "/v1/vms/no-such-vm", expect=404)
    c.call("GET", f"/v1/vms/{a}/history", expect=200)
    c.call("GET", f"/v1/vms/{a}/history?since=2020-01-01T00:00:00Z&limit=5", expect=200)
    c.call("POST", f"/v1/vms/{a}/ping", expect=200)
    c.call("GET", f"/v1/vms/{s}/fsfreeze", expect=200)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/freeze", {}, expect=200)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/extend", {"seconds": 900}, expect=200)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/extend", {"seconds": 0}, expect=400)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/thaw", expect=200)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/extend", {"seconds": 60}, expect=409)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/freeze", {"mountpoints": ["/data"], "thawAfterSeconds": 600}, expect=200)
    c.call("POST", f"/v1/vms/{s}/fsfreeze/thaw?waitPaused=5", expect=200)
    c.call("POST", f"/v1/vms/{s}/fstrim", {"minimum": 0}, expect=200)
    c.call("POST", f"/v1/vms/{s}/time", {}, expect=200)
    c.call("POST", f"/v1/vms/{s}/time", {"time": 1893553445000000000}, expect=200)
    c.call("POST", f"/v1/vms/{s}/shutdown", {"mode": "reboot"}, expect=202)
    started = c.call("POST", f"/v1/vms/{a}/execs", {"path": "/bin/echo", "args": ["checked"], "timeoutSeconds": 10}, expect=202)
    c.call("POST", f"/v1/vms/{a}/execs", {"args": 5}, expect=400)
    c.call("GET", "/v1/execs", expect=200)
    c.call("GET", f"/v1/execs?vm={a}&limit=5", expect=200)
    if started:
        done = c.call("GET", f"/v1/execs/{started['id']}?wait=10", expect=200)
        if done and base64.b64decode(done.get("stdout", "")) != b"checked\n":
            c.failures.append(f"exec {started['id']}: unexpected stdout {done.get('stdout')!r}")
    c.call("GET", "/v1/execs/999999", expect=404)
    c.call("POST", f"/v1/vms/{a}/files/read", {"path": "/etc/os-release"}, expect=200)
    target = os.path.join(args.scratch, "openapi-check.txt")
    c.call("POST", f"/v1/vms/{a}/files/write", {"path": target, "content": base64.b64encode(b"written\n").decode()}, expect=200)
    c.call("POST", f"/v1/vms/{s}/password", {"username": "alice", "password": "s3cret"}, expect=200)
    c.call("GET", f"/v1/vms/{s}/ssh-keys?user=alice", expect=200)
    c.call("POST", f"/v1/vms/{s}/ssh-keys", {"username": "alice", "add": ["ssh-ed25519 AAAAC3Nza checked@host"]}, expect=200)
    c.call("POST", f"/v1/vms/{a}/agent", {"execute": "guest-get-time"}, expect=200)
    c.call("POST", f"/v1/vms/{a}/agent?timeout=5", {"execute": "guest-no-such-command"}, expect=200)
    c.call("GET", "/v1/export", expect=200)
    c.call("GET", "/v1/audit?limit=10", expect=200)
    c.call("GET", "/metrics", expect=200)

    for method, _, template, operation in c.routes:
        if (method, template) not in c.succeeded:
            c.failures.append(f"{method} {template} ({operation.get('operationId')}): never answered with success")
    for failure in c.failures:
        print(failure)
    print(f"{len(c.succeeded)} of {len(c.routes)} operations checked, {len(c.failures)} failures")
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
