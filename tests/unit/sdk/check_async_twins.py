#!/usr/bin/env python3
"""Every network function of LoginID / LoginIdManagement has its async twin (issue 12).

Reads the public headers: each pure virtual function of ClientInterface (client.hpp) and
ManagementInterface (management.hpp) -- the interfaces LoginID and LoginIdManagement implement, so a
new client function appears there first -- must have a function of the same name and parameter types
in AsyncLoginID (resp. AsyncLoginIdManagement, which derives from AsyncLoginID) returning
AsyncCall<the same type>. Exceptions, each for a reason:
  - LOCAL: functions that send nothing (they sign locally; nothing to wait for);
  - overloads taking `std::error_code&`: the async Outcome carries the error instead.
The reverse holds too: every async function is the twin of an interface function.
Exits non-zero, naming each missing or mismatched twin.

usage: check_async_twins.py INCLUDE_DIR
"""
import re
import sys
from pathlib import Path

# Functions that never touch the network: signing with the application's key, nothing to wait for.
LOCAL = {"generate_service_token", "generate_tx_auth_token"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def class_body(text, name):
    match = re.search(r"\bclass\s+" + name + r"\b[^;{]*\{", text)
    if not match:
        sys.exit(f"check_async_twins: class {name} not found")
    depth, i = 1, match.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[match.start():i]


def split_top_level(params):
    parts, depth, current = [], 0, ""
    for c in params:
        if c in "<([{":
            depth += 1
        elif c in ">)]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += c
    if current.strip():
        parts.append(current)
    return parts


def param_types(params):
    """The parameter types, without names and default values, whitespace normalised."""
    types = []
    for p in split_top_level(params):
        p = split_top_level_default(p)
        p = " ".join(p.split())
        p = re.sub(r"\s*([&*<>,])\s*", r"\1", p)
        p = re.sub(r"(?<=[&*>\s])\w+$", "", p).strip()  # the parameter's name
        types.append(p)
    return tuple(types)


def split_top_level_default(param):
    depth = 0
    for i, c in enumerate(param):
        if c in "<([{":
            depth += 1
        elif c in ">)]}":
            depth -= 1
        elif c == "=" and depth == 0:
            return param[:i]
    return param


DECLARATION = re.compile(r"^(.*?)\b(\w+)\s*\((.*)\)\s*const\b(.*)$", re.S)


def functions(body, pure_virtual):
    """(name, return type, parameter types) of the const member functions declared in `body`."""
    found = []
    body = body[body.index("{") + 1:]
    for statement in body.split(";"):
        statement = re.sub(r"\b(public|protected|private)\s*:", "", statement)
        statement = re.sub(r"\[\[\w+\]\]|\bvirtual\b|\bexplicit\b", "", statement).strip()
        match = DECLARATION.match(statement)
        if not match or "{" in match.group(1):
            continue
        ret, name, params, tail = match.groups()
        if pure_virtual != bool(re.search(r"=\s*0\s*$", tail)):
            continue
        found.append((name, " ".join(ret.split()), param_types(params)))
    return found


def main():
    include = Path(sys.argv[1])
    client = strip_comments((include / "loginid/client.hpp").read_text())
    management = strip_comments((include / "loginid/management.hpp").read_text())
    async_hpp = strip_comments((include / "loginid/async.hpp").read_text())

    if not re.search(r"class\s+AsyncLoginIdManagement\b[^{]*:\s*public\s+AsyncLoginID\b", async_hpp):
        sys.exit("check_async_twins: AsyncLoginIdManagement must derive from AsyncLoginID "
                 "(a LoginIdManagement is a LoginID: its async twin has the LoginID twins too)")

    pairs = [(functions(class_body(client, "ClientInterface"), True),
              functions(class_body(async_hpp, "AsyncLoginID"), False), "AsyncLoginID"),
             (functions(class_body(management, "ManagementInterface"), True),
              functions(class_body(async_hpp, "AsyncLoginIdManagement"), False), "AsyncLoginIdManagement")]
    problems, checked = [], 0
    for blocking, asynchronous, async_class in pairs:
        if len(blocking) < 10 or not asynchronous:
            sys.exit(f"check_async_twins: the header parser found too little for {async_class} "
                     f"({len(blocking)} interface functions): fix the parser, not the headers")
        twins = {(name, params): ret for name, ret, params in asynchronous if ret.startswith("AsyncCall<")}
        wanted = set()
        for name, ret, params in blocking:
            if name in LOCAL or any("std::error_code&" in p for p in params):
                continue
            wanted.add((name, params))
            checked += 1
            async_ret = twins.get((name, params))
            if async_ret is None:
                problems.append(f"{async_class} has no twin of {name}({', '.join(params)})")
            elif async_ret != f"AsyncCall<{ret}>":
                problems.append(f"{async_class}::{name}({', '.join(params)}) returns {async_ret}, "
                                f"not AsyncCall<{ret}>")
        for name, params in twins:
            if (name, params) not in wanted:
                problems.append(f"{async_class}::{name}({', '.join(params)}) is the twin of no "
                                f"function of the blocking interface")
    for problem in problems:
        print(problem)
    print(f"check_async_twins: {checked} network functions checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
