"""schemathesis hooks for scripts/fuzz-api.

`GET /v1/execs/{id}?wait=S` is a long poll: fleetd answers when the exec ends or after S seconds
(at most 300). An exec on fleet-sim's frozen guest stays pending until a thaw, so an allowed wait
of 200 s is answered, correctly, after 200 s — past the fuzzer's 30-s read timeout, which would
report a network error that is nobody's bug. Allowed waits are therefore shortened to at most
WAIT_CAP seconds; values outside the document's bounds are left as generated, so the refusals
are still fuzzed.
"""

import re

import schemathesis

WAIT_CAP = 2.0
DOCUMENTED_MAX = 300


def shortened(path, query):
    if path != "/v1/execs/{id}" or not isinstance(query, dict):
        return query
    wait = query.get("wait")
    # The coverage phase sends numbers as text ('300'); a number in any other form is left alone.
    if isinstance(wait, str) and re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?", wait):
        number, text = float(wait), True
    elif isinstance(wait, (int, float)) and not isinstance(wait, bool):
        number, text = wait, False
    else:
        return query
    if WAIT_CAP < number <= DOCUMENTED_MAX:
        query = {**query, "wait": str(WAIT_CAP) if text else WAIT_CAP}
    return query


# Generated cases (fuzzing and stateful phases) pass through map_query, the coverage phase's
# through map_case: both are needed.
@schemathesis.hook
def map_query(context, query):
    return shortened(context.operation.path, query)


@schemathesis.hook
def map_case(context, case):
    case.query = shortened(case.operation.path, case.query)
    return case
