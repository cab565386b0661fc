#!/usr/bin/env python3
"""Writes a synthetic traceability corpus for benchmarking `orion trace check` against StrictDoc.

    trace_corpus.py OUT_DIR [--items 10000] [--tags 50000]

OUT_DIR/orion/reqs/*.md     the items as Orion requirement Markdown (100 items a file)
OUT_DIR/orion/src/*.swift   the tags: @implements / @verifies comments, each before a function
OUT_DIR/strictdoc/*.sdoc    the same items as StrictDoc documents, with the same parent links

The chain is SG -> FSR -> TSR -> SWR with 1 : 9 : 30 : 60 shares of the items; every FSR, TSR and SWR
covers one or two items of the level above; every SWR is implemented and verified at least once, and
the rest of the tags are spread over the SWRs. The corpus is deterministic (fixed seed) and clean: a
correct checker finds no defects in it.
"""
import argparse
import os
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--tags", type=int, default=50000)
    args = parser.parse_args()
    rng = random.Random(2026)

    counts = {
        "SG": max(1, args.items // 100),
        "FSR": max(1, args.items * 9 // 100),
        "TSR": max(1, args.items * 30 // 100),
    }
    counts["SWR"] = args.items - sum(counts.values())
    levels = ["SG", "FSR", "TSR", "SWR"]
    needs = {"SG": "fsr", "FSR": "tsr", "TSR": "swr", "SWR": "impl, test"}
    items = []  # (id, level, parents)
    for n, level in enumerate(levels):
        ids = [f"{level}-{i + 1}" for i in range(counts[level])]
        above = [item[0] for item in items if item[1] == levels[n - 1]] if n else []
        for i, item_id in enumerate(ids):
            parents = []
            if above:
                # Round robin first, so every parent gets a child; sometimes a second parent.
                parents.append(above[i % len(above)])
                if rng.random() < 0.2:
                    other = rng.choice(above)
                    if other not in parents:
                        parents.append(other)
            items.append((item_id, level, parents))

    orion = os.path.join(args.out, "orion")
    os.makedirs(os.path.join(orion, "reqs"), exist_ok=True)
    os.makedirs(os.path.join(orion, "src"), exist_ok=True)
    sdoc = os.path.join(args.out, "strictdoc")
    os.makedirs(sdoc, exist_ok=True)

    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        md = [f"# Requirements {start // 100 + 1}\n"]
        sd = ["[DOCUMENT]", f"TITLE: Requirements {start // 100 + 1}", ""]
        for item_id, level, parents in chunk:
            md.append(f"### {item_id}: Generated requirement {item_id}")
            md.append("- asil: B")
            if parents:
                md.append("- covers: " + ", ".join(parents))
            md.append(f"- needs: {needs[level]}")
            md.append("- rev: 1")
            md.append("- status: approved")
            md.append("")
            md.append(f"The system shall do what {item_id} says, within the limits its parents set.")
            md.append("")
            sd.append("[REQUIREMENT]")
            sd.append(f"UID: {item_id}")
            sd.append("STATUS: Approved")
            sd.append(f"TITLE: Generated requirement {item_id}")
            sd.append(f"STATEMENT: The system shall do what {item_id} says, within the limits its parents set.")
            if parents:
                sd.append("RELATIONS:")
                for parent in parents:
                    sd.append("- TYPE: Parent")
                    sd.append(f"  VALUE: {parent}")
            sd.append("")
        name = f"reqs-{start // 100 + 1:04d}"
        with open(os.path.join(orion, "reqs", name + ".md"), "w") as f:
            f.write("\n".join(md))
        with open(os.path.join(sdoc, name + ".sdoc"), "w") as f:
            f.write("\n".join(sd))

    swrs = [item[0] for item in items if item[1] == "SWR"]
    tags = []
    for swr in swrs:
        tags.append(("implements", swr))
        tags.append(("verifies", swr))
    while len(tags) < args.tags:
        tags.append((rng.choice(["implements", "verifies"]), rng.choice(swrs)))
    tags = tags[:max(args.tags, 2 * len(swrs))]
    rng.shuffle(tags)
    for start in range(0, len(tags), 100):
        lines = [f"// Generated source {start // 100 + 1}.", ""]
        for n, (kind, ref) in enumerate(tags[start:start + 100]):
            lines.append(f"// @{kind} {ref}")
            lines.append(f"func f{start + n}(_ x: Int) -> Int {{")
            lines.append("    x + 1")
            lines.append("}")
            lines.append("")
        with open(os.path.join(orion, "src", f"src-{start // 100 + 1:04d}.swift"), "w") as f:
            f.write("\n".join(lines))
    print(f"{len(items)} items, {len(tags)} tags in {args.out}")


if __name__ == "__main__":
    main()
