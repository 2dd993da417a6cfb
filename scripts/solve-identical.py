#!/usr/bin/env python3
"""Runs `ldfi solve` with two binaries over every saved campaign and diffs.

Usage: solve-identical.py BEFORE AFTER OUT ROOT...
       solve-identical.py --journal BEFORE AFTER OUT REPORTS TRACES [LIMIT]

A change to the search that must not change what it proposes (a rewrite
of the ranking, strategies moved behind a trait) is checked here: every
campaign directory under each ROOT (a directory holding r0/harness.jsonl)
is solved with its runs' lineage merged at several points of the
campaign (the fault-free run alone, the first two runs, half of them, all
of them), with --limit 48 (as many as a campaign ranks at once), by both
binaries, from the working directory of the repository (scenario paths in
summary.json are relative to it). Outputs go to OUT/before and OUT/after;
any difference is printed and the exit code is 1.

A campaign's scenario is the one its summary.json names (found relative
to the repository or to the directory its reports/ is in), else the
scenario file whose name is the one its first run recorded (in the
repository's scenarios/ and examples/, or beside a ROOT). LDFI_REPO sets
the repository (default: the one holding this script), where the
shipped pipelines' jars must be built for a Streams scenario to load.

With --journal, each campaign's own state is compared instead: every
directory of REPORTS with a summary.json whose scenario_path names a
scenario file that exists (relative to the repository) is solved as
`ldfi solve SCENARIO --journal REPORTS/<campaign> --traces TRACES
--limit LIMIT` (default 30) by both binaries, from one copy of its
summary.json (under OUT/journals: a campaign still running rewrites it). A campaign that ends in the
same error with both is counted as skipped; any other difference is
printed and the exit code is 1.
"""

import json
import os
import re
import shutil
import subprocess
import sys

REPO = os.environ.get("LDFI_REPO") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def campaigns(roots):
    """Every campaign directory under the roots, by its real path."""
    found = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if os.path.isfile(os.path.join(dirpath, "r0", "harness.jsonl")):
                found[os.path.realpath(dirpath)] = True
                dirnames[:] = []
    return sorted(found)


def existing(path, bases):
    """`path` if absolute, else the first base it exists under."""
    if os.path.isabs(path):
        return path
    for base in bases:
        if os.path.isfile(os.path.join(base, path)):
            return os.path.join(base, path)
    return path


def scenario_paths(roots):
    """Scenario file of each campaign name, from every summary.json found."""
    paths = {}
    for root in roots:
        for dirpath, _, filenames in os.walk(root):
            if "summary.json" in filenames:
                try:
                    with open(os.path.join(dirpath, "summary.json")) as f:
                        s = json.load(f)
                    reports_parent = os.path.dirname(os.path.dirname(dirpath))
                    paths[s["campaign"]] = existing(s["scenario_path"], [REPO, reports_parent, dirpath])
                except (OSError, ValueError, KeyError, TypeError):
                    pass
    return paths


def scenario_files(roots):
    """Scenario files by the name they declare (`name = "..."`)."""
    dirs = [os.path.join(REPO, "scenarios")]
    dirs += [os.path.join(REPO, "examples", d) for d in sorted(os.listdir(os.path.join(REPO, "examples")))]
    for root in roots:
        dirs += [root, os.path.dirname(root)]
    files = {}
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if name.endswith(".toml") and os.path.isfile(path):
                with open(path, errors="replace") as f:
                    m = re.search(r'^name\s*=\s*"([^"]+)"', f.read(), re.M)
                if m:
                    files.setdefault(m.group(1), path)
    return files


def scenario_of(campaign, known, files):
    """The scenario a campaign ran: its summary's, or the one its first run names."""
    name = os.path.basename(campaign)
    if name in known:
        return known[name]
    with open(os.path.join(campaign, "r0", "harness.jsonl"), errors="replace") as f:
        m = re.search(r'"scenario":"([^"]+)"', f.readline())
    scenario = m.group(1) if m else name
    for candidate in (scenario, scenario.removesuffix("-kafka-only")):
        if candidate in files:
            return files[candidate]
    return f"scenarios/{scenario}.toml"


def runs_of(campaign):
    runs = [d for d in os.listdir(campaign) if re.fullmatch(r"r\d+", d)]
    runs.sort(key=lambda d: int(d[1:]))
    return [os.path.join(campaign, d) for d in runs]


def prefixes(n):
    return sorted({k for k in (1, 2, (n + 1) // 2, n) if 1 <= k <= n})


def journals(before, after, out, reports, traces, limit):
    """The --journal mode: each campaign's own state, solved by both binaries."""
    dirs = sorted(d for d in os.listdir(reports) if os.path.isfile(os.path.join(reports, d, "summary.json")))
    compared = differ = skipped = unresolved = 0
    for side in ("before", "after"):
        os.makedirs(os.path.join(out, side), exist_ok=True)
    for name in dirs:
        journal = os.path.join(reports, name)
        try:
            with open(os.path.join(journal, "summary.json")) as f:
                scenario = os.path.join(REPO, json.load(f)["scenario_path"])
        except (OSError, ValueError, KeyError, TypeError):
            scenario = None
        if scenario is None or not os.path.isfile(scenario):
            unresolved += 1
            continue
        # A campaign still running journals after each run: both binaries
        # read one copy of its summary, taken once.
        copy = os.path.join(out, "journals", name)
        os.makedirs(copy, exist_ok=True)
        shutil.copyfile(os.path.join(journal, "summary.json"), os.path.join(copy, "summary.json"))
        texts = []
        for side, binary in (("before", before), ("after", after)):
            done = subprocess.run(
                [binary, "solve", scenario, "--journal", copy, "--traces", traces, "--limit", str(limit)],
                cwd=REPO, capture_output=True, text=True,
            )
            text = f"{done.stdout}--- stderr\n{done.stderr}--- exit {done.returncode}\n"
            with open(os.path.join(out, side, name), "w") as f:
                f.write(text)
            texts.append((text, done.returncode))
        if texts[0][0] != texts[1][0]:
            differ += 1
            print(f"DIFFERS: {name}")
        elif texts[0][1] != 0:
            skipped += 1
            print(f"skipped: {name} (both exit {texts[0][1]}: {texts[0][0].splitlines()[-2] if len(texts[0][0].splitlines()) > 1 else ''})")
        else:
            compared += 1
    print(f"{len(dirs)} campaigns with a summary.json; {unresolved} name no scenario file that exists; "
          f"{compared} solved alike by both binaries; {skipped} failed the same way with both (skipped); {differ} differ")
    sys.exit(1 if differ else 0)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--journal":
        if len(sys.argv) not in (7, 8):
            sys.exit(__doc__)
        journals(*sys.argv[2:7], int(sys.argv[7]) if len(sys.argv) == 8 else 30)
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    before, after, out, roots = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    known = scenario_paths(roots)
    files = scenario_files(roots)
    calls = differ = errors = 0
    for side in ("before", "after"):
        os.makedirs(os.path.join(out, side), exist_ok=True)
    for i, campaign in enumerate(campaigns(roots)):
        runs = runs_of(campaign)
        scenario = scenario_of(campaign, known, files)
        for k in prefixes(len(runs)):
            label = f"{i:03}-{os.path.basename(campaign)}-{k}"
            texts = []
            for side, binary in (("before", before), ("after", after)):
                done = subprocess.run(
                    [binary, "solve", scenario, *runs[:k], "--limit", "48"],
                    cwd=REPO, capture_output=True, text=True,
                )
                text = f"{done.stdout}--- stderr\n{done.stderr}--- exit {done.returncode}\n"
                with open(os.path.join(out, side, label), "w") as f:
                    f.write(text)
                texts.append((text, done.returncode))
            calls += 1
            if texts[0][1] != 0:
                errors += 1
            if texts[0][0] != texts[1][0]:
                differ += 1
                print(f"DIFFERS: {label} ({campaign}, {k} runs)")
    print(f"{calls} solve calls compared per binary over {len(campaigns(roots))} campaigns; "
          f"{differ} differ; {errors} ended in an error (alike on both sides unless listed)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
