"""Reads an envparity JUnit report with junitparser, as CI test reporters do, and checks
the mapping: one suite per surface, class name envparity.<surface>, a failure message
that carries both values. Prints the consumer's counts. Exit 3: junitparser missing."""
import sys

try:
    from junitparser import JUnitXml, Failure, Error
except ImportError as e:  # the Rust test turns this into a skip or, under CI, a failure
    print(e, file=sys.stderr)
    sys.exit(3)

xml = JUnitXml.fromfile(sys.argv[1])
suites = tests = failures = errors = 0
problems = []
for suite in xml:
    suites += 1
    cases = list(suite)
    if suite.tests != len(cases):
        problems.append(f"suite {suite.name}: tests={suite.tests} but {len(cases)} cases")
    suite_failures = 0
    for case in cases:
        tests += 1
        if case.classname != f"envparity.{suite.name}":
            problems.append(f"{case.name}: classname {case.classname}")
        if not case.name.startswith("/"):
            problems.append(f"{case.name}: name is not a JSON pointer")
        for r in case.result:
            if isinstance(r, Failure):
                failures += 1
                suite_failures += 1
                msg = r.message or ""
                if "staging:" not in msg or "production:" not in msg:
                    problems.append(f"{case.name}: failure message lacks values: {msg}")
            elif isinstance(r, Error):
                errors += 1
    if suite.failures != suite_failures:
        problems.append(f"suite {suite.name}: failures={suite.failures} but {suite_failures}")
print(f"suites={suites} tests={tests} failures={failures} errors={errors}")
if xml.tests != tests or xml.failures != failures:
    problems.append(f"testsuites totals {xml.tests}/{xml.failures} != {tests}/{failures}")
for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
