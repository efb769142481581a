"""compare_junit.py — compare two pytest JUnit XML reports of kazoo's suite:
the reference (Apache ZooKeeper) and the candidate (the keeper). Prints both
pass counts and every test that passes on the reference but not on the
candidate (with the first line of its failure); exits 1 if there is one.

    python3 compare_junit.py zookeeper.xml keeper.xml
"""
import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    res = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print("cannot read %s: %s" % (path, e))
        return None
    for tc in root.iter("testcase"):
        name = "%s::%s" % (tc.get("classname"), tc.get("name"))
        state, why = "passed", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                state = child.tag
                why = (child.get("message") or "").splitlines()[0:1]
                why = why[0] if why else ""
                break
            if child.tag == "skipped":
                state = "skipped"
        res[name] = (state, why)
    return res


def main():
    ref, cand = outcomes(sys.argv[1]), outcomes(sys.argv[2])
    if ref is None or cand is None:
        return 1
    count = lambda r: sum(1 for s, _ in r.values() if s == "passed")
    print("kazoo suite: %d/%d passed on Apache ZooKeeper, %d/%d passed on the keeper" % (
        count(ref), len(ref), count(cand), len(cand)))
    regressions = [n for n, (s, _) in sorted(ref.items())
                   if s == "passed" and cand.get(n, ("missing", ""))[0] != "passed"]
    extra = [n for n, (s, _) in sorted(cand.items())
             if s == "passed" and ref.get(n, ("missing", ""))[0] != "passed"]
    for n in regressions:
        state, why = cand.get(n, ("missing", ""))
        print("  passes on ZooKeeper, %s on the keeper: %s  %s" % (state, n, why[:200]))
    if extra:
        print("  (%d tests pass on the keeper but not on ZooKeeper)" % len(extra))
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
