#!/usr/bin/env python3
"""Boards for a blind judgement of completions on a real catalogue (issue 19).

Half the heroes are completed by `outfit-studio complete`: top-1 per slot, the slots filled in turn from the board so
far as in the app (`--hero-only`: each from the hero alone), with the app's defaults (age band, season, gender,
occasion). The other half get random items of the hero's age band in the same slots (the earlier rounds' baseline).
Each board is one PNG (photos with title and age band only) under OUT/boards/, in shuffled order; which method made
it is written to OUT/key.csv, which a judge must not read.

    python3 tools/blind_boards.py --db kids.db --catalogue kids_articles --boards 200 --out /tmp/blind
    # judges write OUT/ratings-*.csv: board,rating (1-5: publish as a complete look?)
    python3 tools/blind_boards.py --score /tmp/blind

Needs ImageMagick's `montage` (Debian package imagemagick). Not part of the test suite.
"""
import argparse
import csv
import glob
import json
import os
import random
import sqlite3
import subprocess
import sys

SLOTS_FOR = {"top": ["bottom", "shoes"], "one_piece": ["shoes", "outerwear"]}
KEEP_OUT = ("underwear", "nightwear", "pyjama", "socks", "tights", "bodysuit", "cosmetic", "swimwear", "bib")


def items(db, catalogue):
    con = sqlite3.connect(db)
    cat = con.execute("SELECT id FROM catalogues WHERE name = ?", (catalogue,)).fetchone()
    if cat is None:
        sys.exit(f"no catalogue {catalogue!r} in {db}")
    rows = con.execute(
        "SELECT sku, title, category, slot, age_group, image FROM items WHERE catalogue_id = ?", (cat[0],)
    ).fetchall()
    out = []
    for sku, title, category, slot, age, image in rows:
        text = f"{category} {title}".lower()
        keep = not any(w in text for w in KEEP_OUT)
        out.append({"sku": sku, "title": title, "slot": slot, "age": age or "", "image": image, "keep": keep})
    return out


def complete(binary, db, catalogue, hero, slots, hero_only=False):
    """Fills the slots one after another, each from the board so far (as the app's complete-the-look does), or
    from the hero alone with `hero_only` (the protocol of the rounds before stop 30)."""
    board = [hero["sku"]]
    for slot in slots:
        given = [hero["sku"]] if hero_only else board
        r = subprocess.run(
            [binary, "--db", db, "complete", *given, "--slot", slot, "-k", "1", "--catalogue", catalogue, "--json"],
            capture_output=True, text=True,
        )
        if r.returncode != 0:
            continue
        res = json.loads(r.stdout)
        if res and res[0][1]:
            board.append(res[0][1][0]["sku"])
    return board


def render(board, by_sku, path):
    args = ["montage"]
    for sku in board:
        it = by_sku[sku]
        label = f"{it['title'][:28]} ({it['age'] or 'age ?'})"
        img = it["image"] if it["image"] and os.path.exists(it["image"]) else "xc:lightgrey"
        args += ["-label", label, img]
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    args += ["-tile", f"{len(board)}x1", "-geometry", "240x360+8+8", "-font", font, "-pointsize", "14", path]
    subprocess.run(args, check=True)


def make(a):
    every = items(a.db, a.catalogue)
    # The app may suggest any item; heroes and the random baseline draw from outfit pieces only.
    by_sku = {it["sku"]: it for it in every}
    pool = [it for it in every if it["keep"]]
    rng = random.Random(a.seed)
    heroes = [it for it in pool if it["slot"] in SLOTS_FOR]
    rng.shuffle(heroes)
    os.makedirs(os.path.join(a.out, "boards"), exist_ok=True)
    made = []
    for hero in heroes:
        if len(made) >= a.boards:
            break
        method = "complete" if len(made) % 2 == 0 else "random"
        slots = SLOTS_FOR[hero["slot"]]
        if method == "complete":
            skus = complete(a.bin, a.db, a.catalogue, hero, slots, a.hero_only)
        else:
            skus = [hero["sku"]]
            for slot in slots:
                same = [it for it in pool if it["slot"] == slot and it["age"] == hero["age"]]
                if same:
                    skus.append(rng.choice(same)["sku"])
        if len(skus) < 2:
            continue
        made.append((method, skus))
    rng.shuffle(made)
    with open(os.path.join(a.out, "key.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["board", "method", "skus"])
        for n, (method, skus) in enumerate(made, 1):
            name = f"board-{n:03d}.png"
            render(skus, by_sku, os.path.join(a.out, "boards", name))
            w.writerow([name, method, "+".join(skus)])
    print(f"{len(made)} boards in {a.out}/boards (key in {a.out}/key.csv)")


def score(out, resamples=2000):
    """Publishable share (mean rating >= 4) per method, with a bootstrap 95% interval, and the difference."""
    # Boards are named with or without ".png" by judges; both mean the same board.
    name = lambda b: b.strip().removesuffix(".png")
    key = {name(r["board"]): r["method"] for r in csv.DictReader(open(os.path.join(out, "key.csv")))}
    ratings = {}
    for path in glob.glob(os.path.join(out, "ratings-*.csv")):
        for r in csv.DictReader(open(path)):
            ratings.setdefault(name(r["board"]), []).append(int(r["rating"]))
    by = {m: [sum(v) / len(v) for b, v in ratings.items() if key.get(b) == m] for m in ("complete", "random")}
    rng = random.Random(0)

    def share(rs):
        return sum(r >= 4 for r in rs) / len(rs)

    def interval(stat):
        draws = sorted(stat() for _ in range(resamples))
        return draws[int(0.025 * resamples)], draws[int(0.975 * resamples)]

    for method, rs in by.items():
        if not rs:
            continue
        lo, hi = interval(lambda: share(rng.choices(rs, k=len(rs))))
        print(
            f"{method}: {len(rs)} boards, publishable (4-5) {100 * share(rs):.0f}% "
            f"[{100 * lo:.0f}, {100 * hi:.0f}], mean {sum(rs) / len(rs):.2f}"
        )
    # Each judge alone: judges weigh faults differently (one counts a look without shoes publishable, one not).
    for path in sorted(glob.glob(os.path.join(out, "ratings-*.csv"))):
        mine = {name(r["board"]): int(r["rating"]) for r in csv.DictReader(open(path))}
        parts = []
        for method in ("complete", "random"):
            rs = [v for b, v in mine.items() if key.get(b) == method]
            if rs:
                parts.append(f"{method} {100 * share(rs):.0f}% publishable, mean {sum(rs) / len(rs):.2f}")
        print(f"  {os.path.basename(path)}: " + "; ".join(parts))
    if by["complete"] and by["random"]:
        c, r = by["complete"], by["random"]
        lo, hi = interval(lambda: share(rng.choices(c, k=len(c))) - share(rng.choices(r, k=len(r))))
        print(f"difference: {100 * (share(c) - share(r)):+.0f} points [{100 * lo:+.0f}, {100 * hi:+.0f}]")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db")
    p.add_argument("--catalogue")
    p.add_argument("--boards", type=int, default=200)
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--out")
    p.add_argument("--bin", default="target/release/outfit-studio")
    p.add_argument("--score", metavar="OUT")
    p.add_argument("--hero-only", action="store_true", help="complete each slot from the hero alone (earlier rounds)")
    a = p.parse_args()
    if a.score:
        score(a.score)
    else:
        make(a)
