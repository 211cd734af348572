"""Runs the C unit tests of common/ (codecs: bytes in, structs out)."""
import re

from conftest import binary, run


def test_common_codecs():
    r = run([binary("test_common")])
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^(\d+) passed, (\d+) failed$", r.stdout, re.M)
    assert m and int(m.group(1)) > 50 and m.group(2) == "0", r.stdout
