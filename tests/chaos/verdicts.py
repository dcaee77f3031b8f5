#!/usr/bin/env python3
"""Fabricates each VARIANT's timeline (fabricate.py) and runs the chaos checker on it, all in
one process (a Python start per variant was most of checker.sh's time): writes
OUT/VARIANT.jsonl, OUT/VARIANT.json (the report), OUT/VARIANT.svg and OUT/VARIANT.rc (the
checker's exit code).
Usage: verdicts.py SOURCE_DIR OUT VARIANT...
"""
import contextlib
import io
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def main(src, out, variants):
    sys.path.insert(0, here)
    sys.path.insert(0, os.path.join(src, "scripts", "chaos.d"))
    import check  # noqa: E402
    import fabricate  # noqa: E402
    for v in variants:
        base = os.path.join(out, v)
        with open(base + ".jsonl", "w") as f, contextlib.redirect_stdout(f):
            fabricate.run(v)
        with contextlib.redirect_stderr(io.StringIO()):
            rc = check.main([base + ".jsonl", base + ".json", base + ".svg"])
        with open(base + ".rc", "w") as f:
            f.write(f"{rc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
