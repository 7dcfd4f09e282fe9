#!/usr/bin/env python3
"""Generate the embedded demo catalogue of children's garments (synthetic, procedurally drawn).

Writes, relative to the repository root:

    assets/demo/catalogue.csv      one row per item (see assets/demo/README.md for the columns)
    assets/demo/images/<sku>.png   a 160x160 RGB illustration per item, drawn with PIL ImageDraw
    assets/demo/README.md          what this is and how to regenerate it

Nothing here is a real product: titles, brands, prices and pictures are invented by seeded rules so that the
demo has believable structure (winter items are heavy, summer items light, newborns get bodysuits not boots).

Usage (Python 3.11+, Pillow, see tools/requirements-demo.txt):

    python3 -m venv /tmp/demo-venv && /tmp/demo-venv/bin/pip install -r tools/requirements-demo.txt
    /tmp/demo-venv/bin/python tools/gen_demo_catalogue.py            # writes assets/demo/
    /tmp/demo-venv/bin/python tools/gen_demo_catalogue.py --out DIR  # somewhere else

The output is deterministic: a fixed seed, one random stream per item, sorted iteration, no timestamps.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

SEED = 20240611
N_ITEMS = 600
IMG = 160  # final image side in pixels
SS = 4  # supersampling factor used while drawing
BG = (255, 255, 255)

# ----------------------------------------------------------------------------------------------------------------
# Vocabulary
# ----------------------------------------------------------------------------------------------------------------

SLOTS = {
    "top": ["T-shirts", "Shirts", "Sweaters", "Hoodies", "Blouses"],
    "bottom": ["Jeans", "Trousers", "Shorts", "Skirts", "Leggings"],
    "one_piece": ["Dresses", "Jumpsuits", "Rompers", "Dungarees"],
    "outerwear": ["Jackets", "Coats", "Rain jackets", "Snowsuits"],
    "shoes": ["Sneakers", "Boots", "Sandals", "Wellies"],
    "headwear": ["Caps", "Beanies", "Sun hats"],
    "bag": ["Backpacks"],
    "accessory": ["Scarves", "Gloves", "Socks", "Belts", "Hair accessories"],
}
SLOT_OF = {c: s for s, cats in SLOTS.items() for c in cats}

COLOURS = {
    "red": (214, 62, 58),
    "pink": (241, 152, 182),
    "orange": (242, 142, 52),
    "yellow": (247, 206, 62),
    "green": (86, 168, 96),
    "olive": (128, 128, 62),
    "blue": (84, 146, 222),
    "navy": (42, 58, 112),
    "purple": (146, 98, 186),
    "brown": (134, 88, 58),
    "beige": (224, 204, 168),
    "white": (247, 246, 240),
    "grey": (152, 154, 160),
    "black": (52, 52, 58),
}
LIGHT = {"pink", "yellow", "beige", "white", "orange"}

AGE_GROUPS = ["newborn", "infant", "toddler", "kids"]
AGE_WEIGHTS = [0.12, 0.18, 0.32, 0.38]
SEASONS = ["spring", "summer", "autumn", "winter", "all"]

# Brands: (name, size system for clothes, price factor, categories they lean towards)
BRANDS = [
    ("Little Fern", "cm", 1.10, {"Rompers", "T-shirts", "Leggings", "Jumpsuits", "Dresses", "Beanies", "Socks"}),
    ("Puddle & Co", "age", 1.05, {"Rain jackets", "Wellies", "Jackets", "Sun hats", "Caps"}),
    ("Moss & Mitten", "cm", 1.20, {"Sweaters", "Beanies", "Scarves", "Gloves", "Coats", "Socks"}),
    ("Sunny Sprout", "age", 0.90, {"Shorts", "T-shirts", "Sandals", "Sun hats", "Dresses", "Rompers", "Skirts"}),
    ("Tiny Tundra", "cm", 1.25, {"Snowsuits", "Boots", "Coats", "Gloves", "Beanies", "Jackets"}),
    ("Bramble Kids", "age", 1.00, {"Jeans", "Trousers", "Dungarees", "Hoodies", "Jackets", "Backpacks"}),
    ("Otto & Ollie", "age", 1.15, {"Sneakers", "Boots", "Sandals", "Backpacks", "Belts"}),
    ("Pebble Lane", "cm", 1.05, {"Dresses", "Blouses", "Skirts", "Hair accessories", "Shirts", "Jumpsuits"}),
    ("Kiddo Nord", "cm", 0.85, {"T-shirts", "Leggings", "Hoodies", "Sweaters", "Shorts", "Socks", "Caps", "Trousers"}),
]

# Category facts: price range SEK, season weights, fabrics, noun, allowed patterns (weights)
P_SOLID = {"solid": 1.0}
CAT = {
    "T-shirts": dict(price=(99, 249), seasons=dict(spring=3, summer=5, all=3), fabric=["cotton", "organic cotton", "jersey", "slub jersey"],
                     noun=["T-shirt", "Tee"], patterns=dict(solid=3, stripes=3, dots=1, print=2, motif=4)),
    "Shirts": dict(price=(199, 399), seasons=dict(spring=4, summer=2, autumn=3, all=1), fabric=["cotton poplin", "oxford cotton", "flannel", "linen blend", "chambray"],
                   noun=["Shirt", "Button-up Shirt"], patterns=dict(solid=3, checks=4, stripes=2, print=1)),
    "Sweaters": dict(price=(249, 549), seasons=dict(spring=1, autumn=4, winter=5), fabric=["merino wool", "cotton knit", "lambswool blend", "cable knit"],
                     noun=["Sweater", "Jumper"], patterns=dict(solid=4, stripes=3, motif=2, dots=1)),
    "Hoodies": dict(price=(249, 499), seasons=dict(spring=3, autumn=4, winter=2, all=1), fabric=["brushed fleece", "organic sweat", "french terry"],
                    noun=["Hoodie", "Hooded Sweatshirt"], patterns=dict(solid=4, stripes=1, motif=3, print=1)),
    "Blouses": dict(price=(179, 349), seasons=dict(spring=4, summer=4, autumn=1), fabric=["cotton voile", "broderie cotton", "viscose", "muslin"],
                    noun=["Blouse", "Frill Blouse"], patterns=dict(solid=3, dots=2, print=3, checks=1)),
    "Jeans": dict(price=(249, 499), seasons=dict(spring=2, autumn=3, winter=1, all=4), fabric=["stretch denim", "organic denim", "soft denim"],
                  noun=["Jeans", "Slim Jeans", "Wide-leg Jeans"], patterns=P_SOLID),
    "Trousers": dict(price=(199, 399), seasons=dict(spring=3, autumn=4, winter=2, all=1), fabric=["cotton twill", "corduroy", "organic sweat", "canvas"],
                     noun=["Trousers", "Joggers", "Chinos"], patterns=dict(solid=6, checks=1, stripes=1)),
    "Shorts": dict(price=(129, 279), seasons=dict(summer=8, spring=1), fabric=["cotton twill", "linen blend", "jersey", "seersucker"],
                   noun=["Shorts", "Bermuda Shorts"], patterns=dict(solid=5, stripes=2, checks=1, print=1)),
    "Skirts": dict(price=(149, 349), seasons=dict(spring=3, summer=4, autumn=2, winter=1), fabric=["cotton", "tulle", "corduroy", "denim", "jersey"],
                   noun=["Skirt", "A-line Skirt", "Tiered Skirt"], patterns=dict(solid=3, dots=2, print=2, checks=2)),
    "Leggings": dict(price=(99, 199), seasons=dict(spring=2, autumn=3, winter=2, all=4), fabric=["organic cotton", "ribbed jersey", "cotton elastane"],
                     noun=["Leggings"], patterns=dict(solid=4, stripes=2, dots=2, print=2)),
    "Dresses": dict(price=(199, 499), seasons=dict(spring=4, summer=5, autumn=2, winter=1), fabric=["cotton", "muslin", "jersey", "linen blend", "corduroy", "velvet"],
                    noun=["Dress", "Party Dress", "Sundress"], patterns=dict(solid=3, dots=3, print=4, checks=2, stripes=1)),
    "Jumpsuits": dict(price=(249, 499), seasons=dict(spring=3, autumn=3, winter=2, all=2), fabric=["organic cotton", "velour", "ribbed jersey", "fleece"],
                      noun=["Sleepsuit", "Jumpsuit", "Zip Sleepsuit"], patterns=dict(solid=3, stripes=3, dots=2, print=3)),
    "Rompers": dict(price=(149, 349), seasons=dict(spring=3, summer=4, all=3), fabric=["organic cotton", "cotton jersey", "muslin", "rib jersey"],
                    noun=["Romper", "Bodysuit", "Playsuit"], patterns=dict(solid=3, stripes=3, dots=2, print=3, motif=2)),
    "Dungarees": dict(price=(249, 449), seasons=dict(spring=4, autumn=4, summer=1, all=1), fabric=["denim", "corduroy", "cotton twill", "canvas"],
                      noun=["Dungarees"], patterns=dict(solid=5, checks=1, stripes=1)),
    "Jackets": dict(price=(399, 799), seasons=dict(spring=4, autumn=5), fabric=["softshell", "quilted nylon", "denim", "fleece-lined cotton"],
                    noun=["Jacket", "Zip Jacket"], patterns=dict(solid=6, checks=1)),
    "Coats": dict(price=(549, 899), seasons=dict(autumn=3, winter=5), fabric=["wool blend", "padded recycled polyester", "teddy fleece", "duffle wool"],
                  noun=["Coat", "Padded Coat"], patterns=dict(solid=6, checks=1)),
    "Rain jackets": dict(price=(349, 649), seasons=dict(spring=5, autumn=5, summer=1), fabric=["PU-coated cotton", "recycled polyester shell", "waterproof PU"],
                         noun=["Rain Jacket", "Raincoat"], patterns=dict(solid=6, dots=1, print=1)),
    "Snowsuits": dict(price=(599, 899), seasons=dict(winter=9, autumn=1), fabric=["padded waterproof shell", "down-free padding", "recycled polyester"],
                      noun=["Snowsuit", "Winter Overall"], patterns=dict(solid=6, stripes=1)),
    "Sneakers": dict(price=(299, 699), seasons=dict(spring=4, summer=2, autumn=2, all=4), fabric=["canvas", "leather", "recycled mesh", "suede"],
                     noun=["Sneakers", "Trainers"], patterns=P_SOLID),
    "Boots": dict(price=(399, 899), seasons=dict(autumn=4, winter=6), fabric=["leather", "waterproof nubuck", "lined suede"],
                  noun=["Boots", "Winter Boots", "Chelsea Boots"], patterns=P_SOLID),
    "Sandals": dict(price=(199, 449), seasons=dict(summer=9, spring=1), fabric=["leather", "rubber", "vegan leather"],
                    noun=["Sandals", "Velcro Sandals"], patterns=P_SOLID),
    "Wellies": dict(price=(249, 449), seasons=dict(spring=5, autumn=5, winter=1), fabric=["natural rubber", "recycled rubber"],
                    noun=["Wellies", "Rain Boots"], patterns=dict(solid=5, dots=1)),
    "Caps": dict(price=(99, 199), seasons=dict(spring=3, summer=5, all=1), fabric=["cotton twill", "canvas", "recycled polyester"],
                 noun=["Cap", "Baseball Cap"], patterns=dict(solid=5, checks=1, stripes=1)),
    "Beanies": dict(price=(99, 229), seasons=dict(autumn=4, winter=6), fabric=["merino wool", "rib knit cotton", "wool blend"],
                    noun=["Beanie", "Bobble Hat"], patterns=dict(solid=5, stripes=3, dots=1)),
    "Sun hats": dict(price=(99, 229), seasons=dict(summer=9, spring=1), fabric=["cotton", "linen", "UV-protective polyester", "seersucker"],
                     noun=["Sun Hat", "Bucket Hat"], patterns=dict(solid=4, dots=2, print=2, checks=1, stripes=1)),
    "Backpacks": dict(price=(199, 499), seasons=dict(all=9), fabric=["recycled polyester", "canvas", "water-repellent nylon"],
                      noun=["Backpack", "Mini Backpack"], patterns=dict(solid=4, dots=2, motif=2, print=1)),
    "Scarves": dict(price=(99, 249), seasons=dict(autumn=4, winter=6), fabric=["merino wool", "knit cotton", "fleece"],
                    noun=["Scarf", "Knitted Scarf"], patterns=dict(solid=3, stripes=4, checks=2)),
    "Gloves": dict(price=(99, 299), seasons=dict(autumn=3, winter=7), fabric=["wool blend", "fleece", "waterproof shell"],
                   noun=["Mittens", "Gloves"], patterns=dict(solid=5, stripes=2)),
    "Socks": dict(price=(99, 149), seasons=dict(spring=1, summer=1, autumn=2, winter=2, all=5), fabric=["organic cotton", "wool blend", "bamboo"],
                  noun=["Socks 3-pack", "Socks 2-pack", "Anti-slip Socks"], patterns=dict(solid=2, stripes=4, dots=3)),
    "Belts": dict(price=(99, 249), seasons=dict(all=9), fabric=["leather", "canvas", "elastic"],
                  noun=["Belt", "Elastic Belt"], patterns=P_SOLID),
    "Hair accessories": dict(price=(99, 179), seasons=dict(all=5, spring=2, summer=3), fabric=["velvet", "cotton", "satin", "tulle"],
                             noun=["Hair Bow", "Headband", "Scrunchie"], patterns=dict(solid=4, dots=2, print=1)),
}

# Category weights per age group: newborns and infants get mostly one-pieces, tops, bottoms, hats and socks.
AGE_CATS = {
    "newborn": {"Rompers": 9, "Jumpsuits": 5, "T-shirts": 2, "Sweaters": 1.2, "Leggings": 3, "Trousers": 1.5,
                "Dungarees": 0.8, "Beanies": 2.5, "Sun hats": 1, "Socks": 2.5, "Snowsuits": 1, "Jackets": 0.4,
                "Dresses": 0.6, "Hair accessories": 0.6, "Gloves": 0.8, "Sneakers": 0.2, "Blouses": 0.3,
                "Hoodies": 0.6, "Shorts": 0.4},
    "infant": {"Rompers": 6, "Jumpsuits": 3, "T-shirts": 3, "Sweaters": 1.5, "Leggings": 3, "Trousers": 2,
               "Dungarees": 2, "Dresses": 1.8, "Shorts": 1.2, "Hoodies": 1, "Beanies": 2, "Sun hats": 2,
               "Caps": 0.4, "Socks": 2.5, "Snowsuits": 1.6, "Jackets": 1, "Rain jackets": 0.5, "Gloves": 1,
               "Hair accessories": 0.8, "Sandals": 0.3, "Sneakers": 0.4, "Boots": 0.3, "Skirts": 0.4,
               "Blouses": 0.5, "Shirts": 0.4, "Scarves": 0.3, "Coats": 0.3, "Jeans": 0.5},
    "toddler": {"T-shirts": 3, "Shirts": 1, "Sweaters": 2, "Hoodies": 2, "Blouses": 1, "Jeans": 2, "Trousers": 2,
                "Shorts": 2, "Skirts": 1.5, "Leggings": 2, "Dresses": 2.5, "Jumpsuits": 1, "Rompers": 1,
                "Dungarees": 2, "Jackets": 2, "Coats": 1, "Rain jackets": 2, "Snowsuits": 2, "Sneakers": 2,
                "Boots": 1.5, "Sandals": 1.5, "Wellies": 2, "Caps": 1, "Beanies": 1.5, "Sun hats": 1.5,
                "Backpacks": 1, "Scarves": 1, "Gloves": 1, "Socks": 1.5, "Belts": 0.3, "Hair accessories": 1},
    "kids": {"T-shirts": 3.5, "Shirts": 2, "Sweaters": 2, "Hoodies": 2.5, "Blouses": 1.2, "Jeans": 2.5,
             "Trousers": 2, "Shorts": 2, "Skirts": 1.5, "Leggings": 1.5, "Dresses": 2.5, "Jumpsuits": 0.6,
             "Dungarees": 0.8, "Jackets": 2, "Coats": 1.5, "Rain jackets": 1.5, "Snowsuits": 1.5, "Sneakers": 2.5,
             "Boots": 1.8, "Sandals": 1.5, "Wellies": 1.2, "Caps": 1.5, "Beanies": 1.5, "Sun hats": 1,
             "Backpacks": 2, "Scarves": 1, "Gloves": 1, "Socks": 1.2, "Belts": 1, "Hair accessories": 1.2},
}

FEMALE_ONLY = {"Dresses", "Skirts", "Blouses", "Hair accessories"}

SEASON_COLOURS = {
    "spring": dict(green=4, pink=3, yellow=3, blue=3, white=2, purple=2, beige=2, navy=2, red=1, orange=1, grey=1),
    "summer": dict(yellow=4, pink=3, white=4, blue=4, orange=3, green=2, red=2, beige=2, navy=2, purple=1),
    "autumn": dict(olive=4, brown=4, orange=3, beige=3, navy=3, red=2, green=2, grey=2, black=1, pink=1, purple=1),
    "winter": dict(navy=4, red=4, grey=3, black=2, brown=2, green=2, pink=2, purple=2, white=1, olive=1, blue=1),
    "all": dict(blue=3, navy=3, grey=3, white=3, black=2, pink=2, green=2, red=2, beige=2, yellow=1, olive=1, purple=1, brown=1, orange=1),
}
CAT_COLOURS = {
    "Jeans": dict(blue=6, navy=3, black=2, grey=1),
    "Wellies": dict(yellow=4, red=3, green=3, navy=2, pink=2, blue=2, purple=1, black=1),
    "Rain jackets": dict(yellow=5, red=3, green=2, navy=2, pink=2, blue=2, orange=1, olive=1),
    "Belts": dict(brown=5, black=3, beige=2, navy=1, red=1),
    "Boots": dict(brown=5, black=3, navy=2, beige=1, grey=1, red=1, pink=1),
    "Sandals": dict(brown=3, beige=3, white=2, pink=2, navy=2, yellow=1, blue=1, red=1),
    "Sneakers": dict(white=4, navy=3, black=2, grey=2, pink=2, blue=2, red=2, green=1, yellow=1),
}

PRINT_MOTIFS = ["star", "heart", "strawberry", "flower", "dot_bear"]
APPLIQUE_MOTIFS = ["bear", "bunny", "star", "heart", "strawberry", "flower"]
MOTIF_WORD = {"star": "Star", "heart": "Heart", "strawberry": "Strawberry", "flower": "Flower", "bear": "Bear",
              "bunny": "Bunny", "dot_bear": "Teddy"}


def wchoice(rng: random.Random, weights: dict) -> str:
    keys = sorted(weights)  # sorted: independent of dict order
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


# ----------------------------------------------------------------------------------------------------------------
# Sizes
# ----------------------------------------------------------------------------------------------------------------

SIZES_CM = {"newborn": ["44/50", "50/56", "56/62"], "infant": ["62/68", "68/74", "74/80"],
            "toddler": ["80/86", "86/92", "92/98", "98/104", "104/110"],
            "kids": ["110/116", "116/122", "122/128", "128/134", "134/140", "140/146", "146/152"]}
SIZES_AGE = {"newborn": ["0-1M", "0-3M", "1-3M"], "infant": ["3-6M", "6-9M", "9-12M"],
             "toddler": ["1-2Y", "2-3Y", "3-4Y", "4-5Y"],
             "kids": ["5-6Y", "6-7Y", "7-8Y", "8-9Y", "9-10Y", "10-11Y", "12-13Y"]}
SHOE = {"newborn": (16, 18), "infant": (17, 21), "toddler": (21, 28), "kids": (28, 37)}
SOCK = {"newborn": ["EU 13-15", "EU 15-18"], "infant": ["EU 15-18", "EU 19-22"],
        "toddler": ["EU 19-22", "EU 23-26", "EU 27-30"], "kids": ["EU 27-30", "EU 31-34", "EU 35-38"]}
HEAD = {"newborn": ["36-38 cm", "38-40 cm"], "infant": ["42-44 cm", "44-46 cm"],
        "toddler": ["46-48 cm", "48-50 cm", "50-52 cm"], "kids": ["52-54 cm", "54-56 cm"]}
GLOVE = {"newborn": ["0-6M"], "infant": ["6-12M", "1-2Y"], "toddler": ["1-2Y", "2-4Y"], "kids": ["4-6Y", "6-8Y", "8-12Y"]}


def pick_size(rng, cat, age, system):
    if SLOT_OF[cat] == "shoes":
        lo, hi = SHOE[age]
        return f"EU {rng.randint(lo, hi)}"
    if cat == "Socks":
        return rng.choice(SOCK[age])
    if SLOT_OF[cat] == "headwear":
        return rng.choice(HEAD[age])
    if cat == "Gloves":
        return rng.choice(GLOVE[age])
    if cat in ("Backpacks", "Scarves", "Hair accessories"):
        return "One size"
    if cat == "Belts":
        return rng.choice({"newborn": ["0-1Y"], "infant": ["0-1Y"], "toddler": ["2-4Y"], "kids": ["4-8Y", "8-12Y"]}[age])
    return rng.choice((SIZES_CM if system == "cm" else SIZES_AGE)[age])


# ----------------------------------------------------------------------------------------------------------------
# Item records
# ----------------------------------------------------------------------------------------------------------------

FABRIC_SENTENCES = [
    "Made from soft {fabric} that is gentle on {skin}.",
    "Cut from {fabric} with a {fit} fit that leaves room to move.",
    "This {noun_l} in {fabric} has a {fit} fit and {detail}.",
    "A {fit}-fitting {noun_l} in {fabric}, {detail_ing}.",
]
FABRIC_SENTENCES_PLURAL = [
    "Made from soft {fabric} that is gentle on {skin}.",
    "Cut from {fabric} with a {fit} fit that leaves room to move.",
    "These {noun_l} in {fabric} have a {fit} fit and {detail}.",
    "{Fit}-fitting {noun_l} in {fabric}, {detail_ing}.",
]
ACCESSORY_SENTENCES = [
    "Made from {fabric}, with {detail}.",
    "Made from soft {fabric} that is gentle on {skin}, with {detail}.",
]
CARE = ["Machine wash at 40°C.", "Machine wash at 30°C, inside out.", "Wash at 40°C with similar colours.",
        "Hand wash cold, dry flat.", "Tumble dry low."]
TOUGH = ("canvas", "denim", "leather", "rubber", "nylon", "PU", "shell", "nubuck", "suede", "softshell")
CARE_SHOES = ["Wipe clean with a damp cloth.", "Let dry at room temperature away from radiators.",
              "Brush off dirt once dry."]
DETAILS = {
    "top": ["ribbed trims at the neck", "press studs on the shoulder for easy dressing", "a dropped shoulder",
            "flatlock seams that do not rub"],
    "bottom": ["an elastic waist with a drawcord", "an adjustable inside waistband", "reinforced knees",
               "deep front pockets"],
    "one_piece": ["a two-way zip", "nickel-free buttons", "fold-over cuffs on the smallest sizes"],
    "outerwear": ["taped seams and a detachable hood", "reflective details for dark mornings",
                  "adjustable cuffs and a brushed lining", "a chin guard on the zip"],
    "shoes": ["a hook-and-loop strap so little ones can put them on themselves", "a flexible, non-slip sole",
              "a roomy toe box", "a cushioned insole"],
    "headwear": ["a chin strap that stays put", "a soft, non-itchy lining", "UPF 50+ sun protection",
                 "a snug, stretchy fit"],
    "bag": ["padded, adjustable straps", "a name tag inside", "a chest strap", "a front pocket for snacks"],
    "accessory": ["a soft, stretchy finish", "a snag-free finish"],
}
CAT_DETAILS = {
    "Scarves": ["a soft, non-itchy knit", "fringed ends", "a generous length for wrapping twice"],
    "Gloves": ["long cuffs that tuck under sleeves", "a grippy palm", "a cord so they do not get lost"],
    "Socks": ["reinforced heels and toes", "anti-slip dots on the sole", "a soft, non-binding cuff"],
    "Belts": ["an easy-release buckle", "an adjustable length", "a tidy strap keeper"],
    "Hair accessories": ["a soft, no-snag elastic", "a gentle grip on fine hair", "a hand-tied finish"],
    "Dresses": ["a twirly skirt", "a tie sash at the waist", "buttons at the back", "hidden side pockets"],
    "Skirts": ["an elastic waist", "a built-in jersey lining", "a twirly hem"],
    "Dungarees": ["adjustable straps with button fastening", "a chest pocket", "roll-up hems"],
    "Wellies": ["pull-on handles", "a cosy fleece lining", "a chunky non-slip sole"],
}
OCCASION = {
    "spring": ["Easy layering for changeable spring days.", "Made for muddy park afternoons."],
    "summer": ["Light and breezy for hot days.", "Ready for beach days and picnics."],
    "autumn": ["A cosy layer for crisp autumn walks.", "Built for leaf piles and puddles."],
    "winter": ["Keeps them warm on the coldest days.", "Made for snow days and sledging."],
    "all": ["An everyday favourite all year round.", "For nursery, school and weekends."],
}
FITS = ["relaxed", "regular", "roomy", "slim", "comfortable"]


def describe(rng, cat, item):
    slot = SLOT_OF[cat]
    fabric = item["fabric"]
    details = CAT_DETAILS.get(cat, DETAILS[slot])
    if cat in ("Rompers", "Jumpsuits") and item["age_group"] != "kids":
        details = details + ["press studs for quick nappy changes"]
    detail = rng.choice(details)
    noun_l = item["noun"].lower().replace(" 3-pack", "").replace(" 2-pack", "")
    plural = noun_l.endswith("s") and not noun_l.endswith("ss")
    if slot in ("headwear", "bag", "accessory"):
        templates = ACCESSORY_SENTENCES
    else:
        templates = FABRIC_SENTENCES_PLURAL if plural else FABRIC_SENTENCES
    fit = rng.choice([f for f in FITS if f not in noun_l])
    s1 = rng.choice(templates).format(
        fabric=fabric, skin="delicate baby skin" if item["age_group"] in ("newborn", "infant") else "the skin",
        fit=fit, Fit=fit.capitalize(), noun_l=noun_l, detail=detail, detail_ing="finished with " + detail)
    if slot == "shoes" and s1.startswith("Cut from"):
        s1 = f"Made from {fabric}, with {detail}."
    if any(t in fabric for t in TOUGH) and "soft " + fabric in s1:
        s1 = s1.replace("soft " + fabric, "hard-wearing " + fabric).replace(" that is gentle on the skin", "")
        s1 = s1.replace(" that is gentle on delicate baby skin", "")
    sentences = [s1]
    n = rng.choice([1, 2, 2, 3, 3])
    if n >= 2:
        sentences.append(rng.choice(OCCASION[item["season"]]))
    if n >= 3:
        sentences.append(rng.choice(CARE_SHOES if slot in ("shoes", "bag") else CARE))
    return " ".join(sentences)


def title_for(item, with_colour):
    age = {"newborn": "Newborn Baby", "infant": "Baby", "toddler": "Toddler", "kids": ""}[item["age_group"]]
    gender = {"female": "Girls'", "male": "Boys'", "unisex": ""}[item["gender"]]
    if item["age_group"] == "kids" and item["gender"] == "unisex":
        gender = "Kids'"
    pat = item["pattern"]
    patword = {"solid": "", "stripes": "Striped", "dots": "Polka Dot", "checks": "Checked"}.get(pat, "")
    if pat == "print":
        patword = MOTIF_WORD[item["motif"]] + " Print"
    elif pat == "motif":
        patword = MOTIF_WORD[item["motif"]] + " Appliqué"
    feat = item.get("feature_word", "")
    fabric = item["fabric"]
    fabword = fabric.title() if len(fabric.split()) <= 2 and "-" not in fabric else ""
    if pat not in ("solid",) and fabword and len(fabword) > 10:
        fabword = ""
    colour = item["colour"].title() if with_colour else ""
    parts = [age, gender, colour, patword, feat, fabword, item["noun"]]
    return " ".join(p for p in parts if p).replace("  ", " ")


def contrast_colour(rng, colour):
    if colour in LIGHT:
        opts = [c for c in ("navy", "red", "blue", "green", "purple", "brown") if c != colour]
    elif colour in ("black", "navy", "brown", "olive", "purple"):
        opts = ["white", "yellow", "pink", "beige"]
    else:
        opts = ["white", "navy", "yellow"] if colour != "yellow" else ["white", "navy"]
    return rng.choice(opts)


def make_items():
    master = random.Random(SEED)
    items = []
    group_no = 0
    while len(items) < N_ITEMS:
        rng = random.Random(master.getrandbits(64))
        age = rng.choices(AGE_GROUPS, weights=AGE_WEIGHTS, k=1)[0]
        cat = wchoice(rng, AGE_CATS[age])
        info = CAT[cat]
        season = wchoice(rng, info["seasons"])
        if cat in FEMALE_ONLY:
            gender = "female"
        elif age in ("newborn", "infant"):
            gender = rng.choices(["female", "male", "unisex"], weights=[2, 2, 6])[0]
        else:
            gender = rng.choices(["female", "male", "unisex"], weights=[4, 4, 3])[0]
        bw = {b[0]: (4.0 if cat in b[3] else 1.0) for b in BRANDS}
        brand = wchoice(rng, bw)
        bsys, bfac = next((b[1], b[2]) for b in BRANDS if b[0] == brand)
        pattern = wchoice(rng, info["patterns"])
        motif = ""
        if pattern == "print":
            motif = rng.choice(PRINT_MOTIFS)
        elif pattern == "motif":
            motif = rng.choice(APPLIQUE_MOTIFS)
        fabric = rng.choice(info["fabric"])
        noun = rng.choice(info["noun"])
        style = {}
        feature_word = ""
        # Per-category drawing variants that the title mentions.
        if cat == "Jackets":
            style["hood"] = rng.random() < 0.5
            feature_word = "Hooded" if style["hood"] else ""
        elif cat == "Shirts":
            style["long"] = season in ("autumn", "winter") or rng.random() < 0.4
            feature_word = "Long-sleeve" if style["long"] else "Short-sleeve"
        elif cat == "Dresses":
            style["sleeves"] = "long" if season in ("autumn", "winter") else rng.choice(["puff", "straps", "puff"])
            feature_word = {"long": "Long-sleeve", "straps": "Strappy", "puff": "Puff-sleeve"}[style["sleeves"]]
            if noun == "Sundress" and style["sleeves"] == "long":
                noun = "Dress"
        elif cat == "Boots":
            style["fur"] = season == "winter" or noun == "Winter Boots"
            if noun == "Chelsea Boots":
                style["fur"] = False
        elif cat == "Gloves":
            style["fingers"] = age == "kids" and rng.random() < 0.6
            noun = "Gloves" if style["fingers"] else "Mittens"
        elif cat == "Hair accessories":
            style["kind"] = {"Hair Bow": "bow", "Headband": "headband", "Scrunchie": "scrunchie"}[noun]
        elif cat == "Rompers" and age == "kids":
            noun = "Playsuit"
        elif cat == "Jumpsuits" and age == "kids":
            noun = "Jumpsuit"
        lo, hi = info["price"]
        base = rng.uniform(lo, hi) * bfac * (0.85 if age in ("newborn", "infant") else 1.0)
        price = max(99, min(899, int(round(base / 10.0)) * 10 - 1))
        price = max(price, 99)
        n_variants = 1
        if rng.random() < 0.06:
            n_variants = rng.choice([2, 2, 3, 3, 4])
        n_variants = min(n_variants, N_ITEMS - len(items))
        group_id = ""
        if n_variants > 1:
            group_no += 1
            group_id = f"KDG-{group_no:04d}"
        palette = CAT_COLOURS.get(cat, SEASON_COLOURS[season]).copy()
        if gender == "female":
            for c in ("pink", "purple", "red"):
                if c in palette:
                    palette[c] *= 1.8
        elif gender == "male":
            for c in ("blue", "navy", "green"):
                if c in palette:
                    palette[c] *= 1.6
        used = set()
        pat_colour = None
        for v in range(n_variants):
            avail = {c: w for c, w in palette.items() if c not in used}
            colour = wchoice(rng, avail)
            used.add(colour)
            pcol = contrast_colour(rng, colour)
            item = dict(age_group=age, category=cat, season=season, gender=gender, brand=brand, pattern=pattern,
                        motif=motif, fabric=fabric, noun=noun, style=style, colour=colour, pattern_colour=pcol,
                        feature_word=feature_word, item_group_id=group_id, price=price,
                        size=pick_size(rng, cat, age, bsys), in_stock=rng.random() < 0.9,
                        trim_colour=rng.choice(["white", "beige", "grey", pcol]),
                        jitter=rng.random())
            item["title"] = title_for(item, with_colour=n_variants > 1 or rng.random() < 0.55)
            item["description"] = describe(rng, cat, item)
            items.append(item)
    for i, it in enumerate(items, start=1):
        it["sku"] = f"KD-{i:06d}"
        it["image"] = f"images/{it['sku']}.png"
    return items


# ----------------------------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------------------------

def mix(a, b, t):
    return tuple(int(round(a[i] * (1 - t) + b[i] * t)) for i in range(3))


def darker(c, t=0.15):
    return mix(c, (20, 18, 30), t)


def lighter(c, t=0.25):
    return mix(c, (255, 255, 255), t)


def outline_of(c):
    return mix(c, (38, 32, 48), 0.6)


def sym(half):
    """Full polygon from the right half (x >= 80), listed from the top centre round to the bottom centre."""
    return half + [(160 - x, y) for (x, y) in reversed(half)]


def mirror(pts):
    return [(160 - x, y) for (x, y) in pts]


class Art:
    def __init__(self):
        self.W = IMG * SS
        self.img = Image.new("RGB", (self.W, self.W), BG)
        self.draw = ImageDraw.Draw(self.img)

    # coordinates are in final-image pixels and scaled here
    @staticmethod
    def p(pts):
        return [(x * SS, y * SS) for (x, y) in pts]

    @staticmethod
    def b(box):
        return [v * SS for v in box]

    def shape(self, d, s, val):
        kind = s[0]
        if kind == "poly":
            d.polygon(self.p(s[1]), fill=val)
        elif kind == "ell":
            d.ellipse(self.b(s[1]), fill=val)
        elif kind == "rect":
            d.rounded_rectangle(self.b(s[1]), radius=s[2] * SS if len(s) > 2 else 0, fill=val)
        elif kind == "line":
            d.line(self.p(s[1]), fill=val, width=int(s[2] * SS), joint="curve")
            r = s[2] * SS / 2
            for (x, y) in self.p([s[1][0], s[1][-1]]):
                d.ellipse([x - r, y - r, x + r, y + r], fill=val)
        elif kind == "pie":
            d.pieslice(self.b(s[1]), s[2], s[3], fill=val)
        elif kind == "chord":
            d.chord(self.b(s[1]), s[2], s[3], fill=val)
        elif kind == "arcband":  # thick arc
            d.arc(self.b(s[1]), s[2], s[3], fill=val, width=int(s[4] * SS))
        else:
            raise ValueError(kind)

    def layer(self, shapes, colour, erase=(), pattern=None, shade=True, outline=True, line_w=2.2):
        W = self.W
        m = Image.new("L", (W, W), 0)
        d = ImageDraw.Draw(m)
        for s in shapes:
            self.shape(d, s, 255)
        for s in erase:
            self.shape(d, s, 0)
        if outline:
            o = m.filter(ImageFilter.GaussianBlur(line_w * SS * 0.5)).point(lambda v: 255 if v > 6 else 0)
            self.img.paste(outline_of(colour), mask=o)
        fill = Image.new("RGB", (W, W), colour)
        if pattern:
            pattern(ImageDraw.Draw(fill))
        if shade:
            k = int(5 * SS)
            sh = ImageChops.subtract(m, ImageChops.offset(m, -k, -k // 2))
            hl = ImageChops.subtract(m, ImageChops.offset(m, k // 2, k // 2))
            fill.paste(Image.blend(fill, Image.new("RGB", (W, W), darker(colour, 0.5)), 0.22), mask=sh)
            fill.paste(Image.blend(fill, Image.new("RGB", (W, W), (255, 255, 255)), 0.25), mask=hl)
        self.img.paste(fill, mask=m)

    def line(self, pts, colour, w=1.6):
        self.shape(self.draw, ("line", pts, w), colour)

    def dot(self, x, y, r, colour):
        self.draw.ellipse(self.b([x - r, y - r, x + r, y + r]), fill=colour)

    def arc(self, box, a0, a1, colour, w=1.6):
        self.draw.arc(self.b(box), a0, a1, fill=colour, width=int(w * SS))

    def dashed(self, pts, colour, w=1.0, dash=3, gap=2.5):
        (x0, y0), (x1, y1) = pts
        L = math.hypot(x1 - x0, y1 - y0)
        t = 0.0
        while t < L:
            t2 = min(L, t + dash)
            a = (x0 + (x1 - x0) * t / L, y0 + (y1 - y0) * t / L)
            b = (x0 + (x1 - x0) * t2 / L, y0 + (y1 - y0) * t2 / L)
            self.draw.line(self.p([a, b]), fill=colour, width=int(w * SS))
            t += dash + gap

    def finish(self):
        # render() then snaps near-identical tones together, which keeps the PNG small without visible change.
        return self.img.resize((IMG, IMG), Image.LANCZOS)


# --- motifs (drawn with an ImageDraw in supersampled pixels; x, y, s in final-image pixels) ----------------------

def motif_draw(d, kind, x, y, s, col, base):
    S = SS
    dark = (50, 40, 50)

    def E(cx, cy, rx, ry, c):
        d.ellipse([(cx - rx) * S, (cy - ry) * S, (cx + rx) * S, (cy + ry) * S], fill=c)

    if kind == "star":
        pts = []
        for i in range(10):
            r = s if i % 2 == 0 else s * 0.45
            a = -math.pi / 2 + i * math.pi / 5
            pts.append(((x + r * math.cos(a)) * S, (y + r * math.sin(a)) * S))
        d.polygon(pts, fill=col)
    elif kind == "heart":
        r = s * 0.52
        E(x - r * 0.95, y - r * 0.35, r, r, col)
        E(x + r * 0.95, y - r * 0.35, r, r, col)
        d.polygon([((x - s * 0.98) * S, (y - r * 0.05) * S), ((x + s * 0.98) * S, (y - r * 0.05) * S),
                   (x * S, (y + s * 1.0) * S)], fill=col)
    elif kind == "strawberry":
        red = COLOURS["red"] if base not in ("red", "pink", "orange") else (255, 255, 255)
        d.polygon([((x - s * 0.85) * S, (y - s * 0.35) * S), ((x + s * 0.85) * S, (y - s * 0.35) * S),
                   (x * S, (y + s) * S)], fill=red)
        E(x, y - s * 0.3, s * 0.85, s * 0.45, red)
        leaf = (70, 160, 80)
        E(x - s * 0.35, y - s * 0.7, s * 0.38, s * 0.2, leaf)
        E(x + s * 0.35, y - s * 0.7, s * 0.38, s * 0.2, leaf)
        if s >= 8:
            for (dx, dy) in ((-0.4, -0.1), (0.35, -0.1), (0, 0.25), (-0.15, 0.55), (0.2, 0.5)):
                E(x + dx * s, y + dy * s, s * 0.07, s * 0.09, (255, 230, 120))
    elif kind == "flower":
        for i in range(5):
            a = -math.pi / 2 + i * 2 * math.pi / 5
            E(x + s * 0.55 * math.cos(a), y + s * 0.55 * math.sin(a), s * 0.42, s * 0.42, col)
        E(x, y, s * 0.32, s * 0.32, COLOURS["yellow"] if col != COLOURS["yellow"] else COLOURS["orange"])
    elif kind in ("bear", "dot_bear"):
        fur = col
        E(x - s * 0.7, y - s * 0.7, s * 0.36, s * 0.36, fur)
        E(x + s * 0.7, y - s * 0.7, s * 0.36, s * 0.36, fur)
        E(x, y, s, s * 0.88, fur)
        if s >= 8:
            inner = mix(fur, (255, 255, 255), 0.45)
            E(x - s * 0.7, y - s * 0.7, s * 0.18, s * 0.18, inner)
            E(x + s * 0.7, y - s * 0.7, s * 0.18, s * 0.18, inner)
            E(x, y + s * 0.3, s * 0.42, s * 0.32, inner)
            E(x - s * 0.38, y - s * 0.12, s * 0.1, s * 0.12, dark)
            E(x + s * 0.38, y - s * 0.12, s * 0.1, s * 0.12, dark)
            E(x, y + s * 0.2, s * 0.14, s * 0.1, dark)
        else:
            E(x - s * 0.35, y - s * 0.1, s * 0.13, s * 0.13, dark)
            E(x + s * 0.35, y - s * 0.1, s * 0.13, s * 0.13, dark)
    elif kind == "bunny":
        E(x - s * 0.38, y - s * 1.05, s * 0.25, s * 0.7, col)
        E(x + s * 0.38, y - s * 1.05, s * 0.25, s * 0.7, col)
        E(x, y, s * 0.85, s * 0.75, col)
        pinkish = (244, 170, 190)
        E(x - s * 0.38, y - s * 1.05, s * 0.11, s * 0.45, pinkish)
        E(x + s * 0.38, y - s * 1.05, s * 0.11, s * 0.45, pinkish)
        E(x - s * 0.32, y - s * 0.08, s * 0.1, s * 0.12, dark)
        E(x + s * 0.32, y - s * 0.08, s * 0.1, s * 0.12, dark)
        E(x, y + s * 0.2, s * 0.12, s * 0.09, pinkish)


def make_pattern(item):
    pat = item["pattern"]
    base = COLOURS[item["colour"]]
    pc = COLOURS[item["pattern_colour"]]
    S = SS
    j = item["jitter"]
    if pat == "stripes":
        step = 11 + int(j * 4)
        w = 4 + int(j * 2)

        def f(d):
            for y in range(0, 160, step):
                d.rectangle([0, y * S, 160 * S, (y + w) * S], fill=pc)
        return f
    if pat == "dots":
        step = 12 + int(j * 3)
        r = 2.2 + j

        def f(d):
            for row, y in enumerate(range(0, 170, step)):
                off = step / 2 if row % 2 else 0
                x = off
                while x < 170:
                    d.ellipse([(x - r) * S, (y - r) * S, (x + r) * S, (y + r) * S], fill=pc)
                    x += step
        return f
    if pat == "checks":
        step = 14 + int(j * 4)
        w = 5

        def f(d):
            lc = mix(base, pc, 0.55)
            for y in range(0, 170, step):
                d.rectangle([0, y * S, 160 * S, (y + w) * S], fill=lc)
            for x in range(0, 170, step):
                d.rectangle([x * S, 0, (x + w) * S, 160 * S], fill=lc)
            for y in range(0, 170, step):
                for x in range(0, 170, step):
                    d.rectangle([x * S, y * S, (x + w) * S, (y + w) * S], fill=pc)
        return f
    if pat == "print":
        kind = item["motif"]
        step = 20

        def f(d):
            for row, y in enumerate(range(4, 170, step)):
                off = step / 2 if row % 2 else 0
                x = off + 4
                while x < 170:
                    motif_draw(d, kind, x, y, 4.2, pc, item["colour"])
                    x += step
        return f
    return None


# --- garments ------------------------------------------------------------------------------------------------------

def applique(art, item, x, y, s):
    if item["pattern"] == "motif":
        motif_draw(art.draw, item["motif"], x, y, s, COLOURS[item["pattern_colour"]], item["colour"])


def inner_col(c):
    return darker(c, 0.35)


def draw_tshirt(art, item, col, pat, sleeves="short", length=132, neck="crew", hood=False, cuffs=False,
                flare=0, hem_band=False):
    ol = outline_of(col)
    top = 30
    if hood:
        art.layer([("ell", [54, 10, 106, 50])], col, pattern=pat)
        art.layer([("ell", [63, 17, 97, 43])], inner_col(col), shade=False, outline=False)
    else:
        art.layer([("ell", [64, 22, 96, 40])], inner_col(col), shade=False)
    if sleeves == "short":
        half = [(80, top), (93, 27), (122, 38), (136, 64), (116, 72), (110, 64), (110 + flare, length), (80, length)]
    elif sleeves == "puff":
        half = [(80, top), (93, 27), (108, 32), (110, 64), (110 + flare, length), (80, length)]
    else:
        half = [(80, top), (93, 27), (118, 36), (128, 58), (140, 114), (124, 118), (112, 74), (110 + flare, length), (80, length)]
    if sleeves == "puff":
        art.layer([("ell", [100, 26, 132, 56]), ("ell", [28, 26, 60, 56])], col, pattern=pat)
    art.layer([("poly", sym(half))], col, erase=[("ell", [65, 17, 95, 37])] if not hood else [("ell", [66, 17, 94, 36])], pattern=pat)
    if neck == "crew" and not hood:
        art.arc([64, 15, 96, 39], 0, 180, ol, 1.3)
        art.arc([62, 12, 98, 42], 10, 170, ol, 1.0)
    # sleeve seams
    if sleeves == "short":
        art.line([(106, 31), (110, 64)], ol, 1.1)
        art.line([(54, 31), (50, 64)], ol, 1.1)
    elif sleeves == "long":
        art.line([(106, 31), (111, 70)], ol, 1.1)
        art.line([(54, 31), (49, 70)], ol, 1.1)
    if cuffs:
        tc = darker(col, 0.18)
        art.layer([("poly", [(125, 106), (139, 102), (141, 116), (125, 120)])], tc, shade=False)
        art.layer([("poly", mirror([(125, 106), (139, 102), (141, 116), (125, 120)]))], tc, shade=False)
    if hem_band:
        art.layer([("rect", [50 - flare, length - 9, 110 + flare, length], 1)], darker(col, 0.18), shade=False)
        for x in range(54, 108, 5):
            art.line([(x, length - 7), (x, length - 2)], mix(col, ol, 0.5), 0.6)


def g_tshirt(art, item, col, pat):
    draw_tshirt(art, item, col, pat, "short", 130)
    applique(art, item, 80, 76, 15)


def g_shirt(art, item, col, pat):
    ol = outline_of(col)
    draw_tshirt(art, item, col, pat, "long" if item["style"].get("long") else "short", 132, neck="collar", cuffs=item["style"].get("long"))
    # collar wings
    art.layer([("poly", [(80, 36), (94, 25), (100, 30), (92, 44)])], col, pattern=None)
    art.layer([("poly", [(80, 36), (66, 25), (60, 30), (68, 44)])], col, pattern=None)
    art.line([(80, 36), (80, 130)], ol, 1.0)
    for y in range(48, 128, 16):
        art.dot(84, y, 2.0, (250, 250, 245) if item["colour"] != "white" else (200, 200, 200))
    art.line([(98, 70), (98, 82)], ol, 0.8)
    art.line([(92, 70), (104, 70)], ol, 1.0)


def g_sweater(art, item, col, pat):
    draw_tshirt(art, item, col, pat, "long", 130, cuffs=True, hem_band=True)
    applique(art, item, 80, 72, 16)


def g_hoodie(art, item, col, pat):
    ol = outline_of(col)
    draw_tshirt(art, item, col, pat, "long", 130, hood=True, cuffs=True, hem_band=True)
    art.line([(73, 38), (72, 58)], (245, 245, 245) if item["colour"] != "white" else ol, 1.2)
    art.line([(87, 38), (88, 58)], (245, 245, 245) if item["colour"] != "white" else ol, 1.2)
    art.layer([("poly", [(60, 92), (100, 92), (108, 118), (52, 118)])], col, pattern=None)
    applique(art, item, 80, 70, 11)


def g_blouse(art, item, col, pat):
    draw_tshirt(art, item, col, pat, "puff", 126, flare=6)
    c = (250, 250, 245) if item["colour"] != "white" else COLOURS["pink"]
    c = lighter(col, 0.55) if item["colour"] != "white" else COLOURS["pink"]
    art.layer([("chord", [62, 24, 81, 44], 330, 200)], c, shade=False, line_w=1.6)
    art.layer([("chord", [79, 24, 98, 44], 340, 210)], c, shade=False, line_w=1.6)
    for y in (52, 66, 80):
        art.dot(80, y, 1.8, outline_of(col))


def draw_legs(art, item, col, pat, bottom, width=112, crotch=64, hem_w=26, waist=30):
    ol = outline_of(col)
    half = [(80, waist), (width - 2, waist), (width + 4, bottom), (width + 4 - hem_w, bottom), (81, crotch), (80, crotch)]
    art.layer([("poly", sym(half))], col, pattern=pat)
    art.layer([("rect", [160 - width + 1, waist, width - 1, waist + 10], 2)], darker(col, 0.12), pattern=None, shade=False)
    return ol


def g_jeans(art, item, col, pat):
    ol = draw_legs(art, item, col, pat, 146)
    stitch = (232, 178, 80)
    art.line([(80, 40), (80, 58)], ol, 1.0)
    art.arc([70, 30, 90, 60], 0, 90, ol, 1.0)
    art.arc([52, 38, 70, 56], 270, 360, stitch, 0.9)
    art.arc([90, 38, 108, 56], 180, 270, stitch, 0.9)
    art.dashed([(50, 136), (72, 136)], stitch, 0.8)
    art.dashed([(88, 136), (110, 136)], stitch, 0.8)
    art.dot(80, 35, 2, (200, 170, 90))
    for x in (58, 102):
        art.line([(x, 28), (x, 42)], ol, 1.4)


def g_trousers(art, item, col, pat):
    ol = draw_legs(art, item, col, pat, 146, width=110)
    art.line([(80, 40), (80, 58)], ol, 1.0)
    art.line([(66, 70), (64, 140)], mix(col, ol, 0.4), 0.8)
    art.line([(94, 70), (96, 140)], mix(col, ol, 0.4), 0.8)
    art.line([(72, 30), (74, 20), (78, 30)], (245, 245, 240), 1.0)


def g_shorts(art, item, col, pat):
    ol = draw_legs(art, item, col, pat, 116, width=116, crotch=82, hem_w=29, waist=38)
    art.line([(80, 48), (80, 70)], ol, 1.0)
    art.line([(48, 108), (74, 108)], mix(col, ol, 0.5), 0.8)
    art.line([(86, 108), (112, 108)], mix(col, ol, 0.5), 0.8)
    art.line([(72, 38), (74, 28), (78, 38)], (245, 245, 240), 1.0)


def g_leggings(art, item, col, pat):
    ol = outline_of(col)
    half = [(80, 28), (104, 28), (105, 70), (100, 146), (86, 146), (81, 72), (80, 72)]
    art.layer([("poly", sym(half))], col, pattern=pat)
    art.layer([("rect", [56, 28, 104, 37], 2)], darker(col, 0.12), shade=False)
    for x in range(59, 102, 5):
        art.line([(x, 30), (x, 35)], mix(col, ol, 0.5), 0.6)


def g_skirt(art, item, col, pat):
    ol = outline_of(col)
    half = [(80, 40), (106, 40), (130, 122), (80, 126)]
    art.layer([("poly", sym(half))], col, pattern=pat)
    art.layer([("rect", [52, 34, 108, 46], 3)], darker(col, 0.15), shade=False)
    for x in (62, 80, 98):
        art.line([(x, 48), (x + (x - 80) * 0.5, 120)], mix(col, ol, 0.45), 0.9)
    art.dot(96, 40, 2, (250, 250, 245))


def g_dress(art, item, col, pat):
    ol = outline_of(col)
    sl = item["style"].get("sleeves", "puff")
    art.layer([("ell", [68, 22, 92, 36])], inner_col(col), shade=False)
    if sl == "puff":
        art.layer([("ell", [96, 24, 124, 50]), ("ell", [36, 24, 64, 50])], col, pattern=pat)
    if sl == "long":
        art.layer([("poly", [(100, 30), (118, 44), (132, 100), (120, 103), (104, 60)])], col, pattern=pat)
        art.layer([("poly", mirror([(100, 30), (118, 44), (132, 100), (120, 103), (104, 60)]))], col, pattern=pat)
    if sl == "straps":
        art.line([(68, 22), (66, 40)], col, 3)
        art.line([(92, 22), (94, 40)], col, 3)
        half = [(80, 42), (103, 38), (104, 70), (134, 142), (80, 146)]
        erase = []
    else:
        half = [(80, 30), (92, 26), (104, 32), (104, 70), (134, 142), (80, 146)]
        erase = [("ell", [66, 16, 94, 36])]
    art.layer([("poly", sym(half))], col, erase=erase, pattern=pat)
    sash = (250, 250, 245) if item["colour"] != "white" else COLOURS["pink"]
    art.layer([("rect", [56, 66, 104, 74], 2)], sash, shade=False)
    art.layer([("poly", [(80, 70), (90, 63), (90, 77)]), ("poly", [(80, 70), (70, 63), (70, 77)])], sash, shade=False)
    for x in (66, 80, 94):
        art.line([(x, 80), (x + (x - 80) * 0.6, 138)], mix(col, ol, 0.35), 0.8)


def g_romper(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("ell", [64, 22, 96, 40])], inner_col(col), shade=False)
    half = [(80, 30), (93, 27), (116, 36), (132, 58), (118, 68), (108, 60), (108, 100), (104, 116), (96, 126), (88, 134), (80, 134)]
    art.layer([("poly", sym(half))], col, erase=[("ell", [65, 17, 95, 37])], pattern=pat)
    art.arc([64, 15, 96, 39], 0, 180, ol, 1.3)
    art.line([(104, 32), (108, 60)], ol, 1.0)
    art.line([(56, 32), (52, 60)], ol, 1.0)
    art.layer([("rect", [66, 124, 94, 136], 3)], darker(col, 0.12), shade=False)
    for x in (72, 80, 88):
        art.dot(x, 130, 1.8, (225, 225, 230))
    applique(art, item, 80, 74, 15)


def g_jumpsuit(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("ell", [64, 20, 96, 38])], inner_col(col), shade=False)
    half = [(80, 28), (93, 25), (114, 34), (124, 56), (134, 104), (120, 107), (110, 70), (112, 140), (88, 140), (82, 96), (80, 96)]
    art.layer([("poly", sym(half))], col, erase=[("ell", [66, 15, 94, 34])], pattern=pat)
    tc = darker(col, 0.18)
    art.layer([("rect", [119, 100, 135, 110], 2), ("rect", [25, 100, 41, 110], 2)], tc, shade=False)
    art.layer([("rect", [86, 136, 114, 148], 4), ("rect", [46, 136, 74, 148], 4)], tc, shade=False)
    art.line([(80, 34), (80, 96)], ol, 1.2)
    art.layer([("rect", [77, 36, 83, 44], 1)], (225, 225, 230), shade=False, line_w=1.2)


def g_dungarees(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("line", [(64, 54), (61, 20)], 6), ("line", [(96, 54), (99, 20)], 6)], darker(col, 0.1), shade=False,
              line_w=1.6)
    half = [(80, 48), (98, 48), (98, 76), (110, 80), (114, 146), (90, 146), (81, 102), (80, 102)]
    art.layer([("poly", sym(half))], col, pattern=pat)
    art.layer([("rect", [68, 56, 92, 74], 2)], col, shade=False, line_w=1.6)
    for x in (64, 96):
        art.dot(x, 53, 3, (215, 185, 95))
    art.line([(80, 80), (80, 100)], ol, 1.0)
    applique(art, item, 80, 64, 7)


def g_jacket(art, item, col, pat):
    ol = outline_of(col)
    hood = item["style"].get("hood", False)
    draw_tshirt(art, item, col, pat, "long", 128, neck="none", hood=hood, cuffs=True)
    if not hood:
        art.layer([("poly", [(64, 22), (96, 22), (100, 36), (80, 40), (60, 36)])], darker(col, 0.1), shade=False)
    art.line([(80, 36), (80, 128)], ol, 1.3)
    art.layer([("rect", [77, 40, 83, 50], 1)], (220, 220, 225), shade=False, line_w=1.2)
    art.line([(94, 96), (102, 112)], ol, 1.2)
    art.line([(66, 96), (58, 112)], ol, 1.2)


def g_coat(art, item, col, pat):
    ol = outline_of(col)
    draw_tshirt(art, item, col, pat, "long", 146, neck="none", cuffs=True, flare=8)
    art.layer([("poly", [(80, 40), (94, 24), (102, 32), (92, 58)])], darker(col, 0.08), shade=False)
    art.layer([("poly", [(80, 40), (66, 24), (58, 32), (68, 58)])], darker(col, 0.08), shade=False)
    art.line([(80, 40), (80, 146)], ol, 1.1)
    btn = (235, 215, 170) if item["colour"] not in ("beige", "white") else (110, 80, 60)
    for y in (66, 86, 106):
        art.dot(72, y, 2.6, btn)
        art.dot(88, y, 2.6, btn)
    art.line([(96, 110), (108, 110)], ol, 1.2)
    art.line([(64, 110), (52, 110)], ol, 1.2)


def g_rain(art, item, col, pat):
    ol = outline_of(col)
    draw_tshirt(art, item, col, pat, "long", 138, neck="none", hood=True, cuffs=True, flare=4)
    refl = (205, 208, 215)
    art.layer([("poly", [(117, 84), (133, 80), (134, 86), (118, 90)]), ("poly", mirror([(117, 84), (133, 80), (134, 86), (118, 90)]))], refl, shade=False, line_w=1.0)
    art.layer([("rect", [77, 36, 83, 138], 1)], darker(col, 0.1), shade=False, line_w=1.2)
    for y in range(46, 136, 14):
        art.dot(80, y, 1.6, (235, 235, 235))
    art.layer([("rect", [90, 96, 106, 110], 2), ("rect", [54, 96, 70, 110], 2)], col, shade=False, line_w=1.4)


def g_snowsuit(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("ell", [54, 8, 106, 48])], col, pattern=pat)
    fur = (240, 236, 226)
    art.layer([("ell", [61, 14, 99, 44])], fur, shade=False)
    art.layer([("ell", [67, 19, 93, 40])], inner_col(col), shade=False, outline=False)
    half = [(80, 36), (96, 34), (116, 40), (126, 60), (136, 104), (120, 108), (110, 72), (114, 142), (88, 142), (82, 100), (80, 100)]
    art.layer([("poly", sym(half))], col, pattern=pat)
    tc = darker(col, 0.3)
    art.layer([("rect", [119, 100, 137, 112], 3), ("rect", [23, 100, 41, 112], 3)], tc, shade=False)
    art.layer([("rect", [86, 134, 116, 148], 4), ("rect", [44, 134, 74, 148], 4)], tc, shade=False)
    art.line([(88, 42), (72, 96)], ol, 1.3)
    art.layer([("rect", [83, 46, 89, 56], 1)], (220, 220, 225), shade=False, line_w=1.2)
    art.layer([("rect", [90, 110, 106, 122], 3), ("rect", [54, 110, 70, 122], 3)], darker(col, 0.12), shade=False, line_w=1.4)


def ground(art, x0, x1, y):
    art.draw.ellipse(art.b([x0, y - 4, x1, y + 4]), fill=(236, 236, 238))


def g_sneaker(art, item, col, pat):
    ol = outline_of(col)
    ground(art, 22, 142, 126)
    upper = [(30, 112), (28, 82), (36, 64), (60, 62), (70, 74), (100, 84), (126, 90), (140, 104), (140, 112)]
    art.layer([("poly", upper), ("ell", [118, 88, 144, 114])], col, pattern=pat)
    sole_c = (248, 248, 246) if item["colour"] != "white" else (210, 90, 80)
    art.layer([("rect", [24, 106, 146, 122], 7)], sole_c, shade=False)
    art.line([(28, 114), (142, 114)], mix(sole_c, ol, 0.4), 0.9)
    art.layer([("chord", [112, 88, 148, 118], 270, 90)], darker(col, 0.1) if item["colour"] != "white" else (230, 230, 230), shade=False, line_w=1.4)
    lace = (250, 250, 250) if item["colour"] not in ("white", "beige") else (120, 120, 130)
    for i in range(4):
        x = 66 + i * 9
        art.line([(x, 70 + i * 3), (x + 8, 82 + i * 3)], lace, 1.6)
    art.layer([("rect", [26, 70, 36, 100], 3)], darker(col, 0.15), shade=False, line_w=1.4)
    art.line([(46, 92), (110, 98)], mix(col, ol, 0.5), 1.0)


def g_boot(art, item, col, pat):
    ol = outline_of(col)
    ground(art, 24, 144, 130)
    fur = item["style"].get("fur")
    shape = [(40, 28), (84, 28), (86, 88), (120, 98), (138, 110), (138, 120), (34, 120), (38, 76)]
    art.layer([("poly", shape), ("ell", [116, 96, 142, 122])], col, pattern=pat)
    sole = (60, 50, 48) if item["colour"] not in ("black", "brown") else (215, 200, 170)
    art.layer([("rect", [30, 116, 144, 130], 4)], sole, shade=False)
    for x in range(40, 140, 10):
        art.line([(x, 127), (x + 4, 127)], mix(sole, (0, 0, 0), 0.3), 0.8)
    if fur:
        art.layer([("rect", [34, 20, 90, 36], 8)], (242, 236, 222), shade=False)
        for x in range(40, 88, 7):
            art.dot(x, 28, 2.2, (228, 220, 204))
    else:
        art.layer([("rect", [46, 36, 80, 88], 4)], darker(col, 0.12), shade=False, line_w=1.4)
        art.layer([("rect", [80, 22, 88, 34], 2)], darker(col, 0.25), shade=False, line_w=1.2)
    art.line([(84, 90), (64, 110)], mix(col, ol, 0.5), 1.0)


def g_sandal(art, item, col, pat):
    # top view of a pair: footbed, toe strap, instep strap with buckle, heel strap
    sole = {"beige": (96, 72, 58), "brown": (238, 226, 204)}.get(item["colour"], (222, 196, 150))
    bed = lighter(sole, 0.35)
    for x in (54, 106):
        art.layer([("ell", [x - 19, 20, x + 19, 78]), ("ell", [x - 15, 86, x + 15, 140]),
                   ("rect", [x - 16, 48, x + 16, 116], 0)], sole, shade=False)
        art.draw.ellipse(art.b([x - 14, 25, x + 14, 72]), fill=bed)
        art.draw.ellipse(art.b([x - 10, 91, x + 10, 134]), fill=bed)
        art.draw.rectangle(art.b([x - 11, 50, x + 11, 112]), fill=bed)
        art.layer([("rect", [x - 21, 40, x + 21, 54], 5), ("rect", [x - 19, 80, x + 19, 93], 5),
                   ("arcband", [x - 17, 88, x + 17, 146], 200, 340, 7)], col)
        bx = x + 12 if x > 80 else x - 20
        art.layer([("rect", [bx, 79, bx + 8, 94], 2)], (226, 226, 230) if item["colour"] != "white" else (160, 160, 165),
                  shade=False, line_w=1.2)


def g_welly(art, item, col, pat):
    ol = outline_of(col)
    ground(art, 26, 144, 130)
    shape = [(42, 18), (88, 18), (90, 92), (124, 100), (140, 112), (140, 122), (36, 122), (40, 60)]
    art.layer([("poly", shape), ("ell", [118, 98, 144, 124])], col, pattern=pat)
    art.layer([("rect", [38, 14, 92, 26], 4)], darker(col, 0.15), shade=False)
    sole = (58, 52, 54) if item["colour"] != "black" else (210, 90, 70)
    art.layer([("rect", [32, 118, 146, 130], 4)], sole, shade=False)
    art.line([(52, 34), (52, 80)], (255, 255, 255), 2.4)
    art.dot(52, 88, 1.4, (255, 255, 255))


def g_cap(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("poly", [(96, 92), (146, 96), (150, 104), (140, 110), (96, 104)])], darker(col, 0.12))
    art.layer([("chord", [26, 40, 124, 140], 180, 360), ("rect", [26, 86, 124, 100], 0)], col, pattern=pat)
    art.line([(75, 41), (60, 98)], mix(col, ol, 0.5), 0.9)
    art.line([(75, 41), (96, 98)], mix(col, ol, 0.5), 0.9)
    art.dot(75, 40, 4, darker(col, 0.2))
    art.line([(26, 94), (124, 94)], mix(col, ol, 0.5), 0.9)
    art.dashed([(40, 72), (60, 50)], lighter(col, 0.4), 0.6)
    applique(art, item, 80, 72, 10)


def g_beanie(art, item, col, pat):
    ol = outline_of(col)
    pom = COLOURS[item["trim_colour"]]
    art.layer([("ell", [62, 12, 98, 46])], pom, shade=False)
    art.layer([("chord", [36, 32, 124, 128], 180, 360), ("rect", [36, 78, 124, 104], 0)], col, pattern=pat)
    art.layer([("rect", [32, 96, 128, 128], 8)], darker(col, 0.12), shade=False)
    for x in range(39, 124, 6):
        art.line([(x, 100), (x, 124)], mix(col, ol, 0.35), 0.8)


def g_sunhat(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("ell", [12, 86, 148, 130])], col, pattern=pat)
    art.layer([("chord", [44, 42, 116, 118], 180, 360), ("rect", [44, 78, 116, 108], 0)], col, pattern=pat)
    band = COLOURS[item["trim_colour"]] if item["trim_colour"] != item["colour"] else darker(col, 0.3)
    art.layer([("rect", [44, 92, 116, 102], 0)], band, shade=False, line_w=1.4)
    art.arc([20, 94, 140, 126], 20, 160, mix(col, ol, 0.4), 0.8)


def g_backpack(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("arcband", [62, 14, 98, 50], 180, 360, 5)], darker(col, 0.25), shade=False)
    art.layer([("rect", [36, 32, 124, 142], 24)], col, pattern=pat)
    art.layer([("chord", [36, 32, 124, 100], 180, 360), ("rect", [36, 60, 124, 70], 0)], darker(col, 0.12), shade=False)
    art.layer([("rect", [50, 90, 110, 134], 12)], lighter(col, 0.12) if not pat else col, shade=False)
    art.line([(56, 100), (104, 100)], ol, 1.0)
    art.layer([("rect", [76, 58, 84, 76], 3)], (230, 230, 234), shade=False, line_w=1.2)
    applique(art, item, 80, 116, 10)


def g_scarf(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("poly", [(60, 60), (84, 62), (80, 132), (56, 128)])], darker(col, 0.1), pattern=pat)
    art.layer([("ell", [30, 22, 130, 86])], col, erase=[("ell", [48, 34, 112, 68])], pattern=pat)
    art.layer([("poly", [(78, 62), (104, 58), (114, 138), (90, 140)])], col, pattern=pat)
    fr = darker(col, 0.15)
    for i in range(6):
        art.line([(90 + i * 4.5, 140 - i * 0.4), (90 + i * 4.5, 148 - i * 0.4)], fr, 1.4)
        art.line([(56 + i * 4.5, 128 + i * 0.8), (56 + i * 4.3, 136 + i * 0.8)], fr, 1.4)


def mitten(art, col, pat, dx, flip):
    def T(pts):
        return [((160 - x if flip else x) + dx, y) for (x, y) in pts]

    def TB(b):
        x0, y0, x1, y1 = b
        if flip:
            x0, x1 = 160 - x1, 160 - x0
        return [x0 + dx, y0, x1 + dx, y1]
    art.layer([("ell", TB([30, 58, 54, 84])), ("rect", TB([44, 30, 96, 110]), 24)], col, pattern=pat)
    art.layer([("rect", TB([42, 100, 98, 128]), 5)], darker(col, 0.15), shade=False)
    for x in range(48, 96, 6):
        art.line(T([(x, 104), (x, 124)]), mix(col, outline_of(col), 0.35), 0.8)


def glove(art, col, pat, dx, flip):
    def TB(b):
        x0, y0, x1, y1 = b
        if flip:
            x0, x1 = 160 - x1, 160 - x0
        return [x0 + dx, y0, x1 + dx, y1]
    shapes = [("rect", TB([46, 56, 96, 112]), 12)]
    for i, (h) in enumerate([34, 26, 28, 36]):
        x = 48 + i * 12
        shapes.append(("rect", TB([x, h, x + 11, 70]), 5))
    shapes.append(("rect", TB([30, 62, 52, 78]), 7))
    art.layer(shapes, col, pattern=pat)
    art.layer([("rect", TB([44, 104, 98, 128]), 5)], darker(col, 0.15), shade=False)


def g_gloves(art, item, col, pat):
    f = glove if item["style"].get("fingers") else mitten
    f(art, col, pat, -24, False)
    f(art, col, pat, 24, True)


def sock(art, col, pat, dx, dy, heel_c):
    body = [("rect", [40 + dx, 20 + dy, 74 + dx, 100 + dy], 6), ("rect", [40 + dx, 74 + dy, 114 + dx, 108 + dy], 17)]
    art.layer(body, col, pattern=pat)
    art.layer([("chord", [92 + dx, 74 + dy, 116 + dx, 108 + dy], 270, 90)], heel_c, shade=False, line_w=1.4)
    art.layer([("pie", [34 + dx, 82 + dy, 58 + dx, 110 + dy], 90, 270)], heel_c, shade=False, line_w=1.4)
    art.layer([("rect", [38 + dx, 14 + dy, 76 + dx, 30 + dy], 3)], darker(col, 0.12), shade=False)
    for x in range(43, 74, 5):
        art.line([(x + dx, 17 + dy), (x + dx, 27 + dy)], mix(col, outline_of(col), 0.35), 0.7)


def g_socks(art, item, col, pat):
    heel = COLOURS[item["trim_colour"]] if item["trim_colour"] != item["colour"] else darker(col, 0.25)
    sock(art, col, pat, 22, 18, heel)
    sock(art, col, pat, -8, 4, heel)


def g_belt(art, item, col, pat):
    ol = outline_of(col)
    art.layer([("ell", [22, 40, 138, 122])], col, erase=[("ell", [36, 52, 124, 110])])
    art.layer([("poly", [(92, 108), (130, 104), (132, 118), (94, 124)])], col)
    metal = (205, 195, 150)
    art.layer([("rect", [66, 100, 94, 128], 3)], metal, erase=[("rect", [71, 105, 89, 123], 2)], shade=False, line_w=1.4)
    art.line([(72, 114), (88, 114)], metal, 2.0)
    for x in (104, 114, 122):
        art.dot(x, 114, 1.6, ol)
    art.dashed([(30, 70), (40, 58)], lighter(col, 0.35), 0.7)


def g_hair(art, item, col, pat):
    ol = outline_of(col)
    kind = item["style"].get("kind", "bow")
    if kind == "headband":
        art.layer([("arcband", [18, 36, 142, 184], 192, 348, 13)], col, pattern=pat)
        art.layer([("poly", [(80, 42), (50, 22), (44, 42), (50, 62)]), ("poly", [(80, 42), (110, 22), (116, 42), (110, 62)])],
                  col, pattern=pat)
        art.layer([("ell", [71, 33, 89, 51])], darker(col, 0.15), shade=False)
    elif kind == "scrunchie":
        shapes = []
        for i in range(12):
            a = 2 * math.pi * i / 12
            cx, cy = 80 + 34 * math.cos(a), 84 + 34 * math.sin(a)
            shapes.append(("ell", [cx - 16, cy - 16, cx + 16, cy + 16]))
        art.layer(shapes, col, erase=[("ell", [60, 64, 100, 104])], pattern=pat)
        for i in range(12):
            a = 2 * math.pi * (i + 0.5) / 12
            art.line([(80 + 22 * math.cos(a), 84 + 22 * math.sin(a)), (80 + 46 * math.cos(a), 84 + 46 * math.sin(a))],
                     mix(col, ol, 0.4), 0.8)
    else:
        art.layer([("poly", [(80, 84), (66, 128), (76, 124), (82, 130)]), ("poly", [(80, 84), (94, 128), (86, 124), (80, 130)])], darker(col, 0.08), pattern=pat)
        art.layer([("ell", [22, 50, 84, 112]), ("ell", [76, 50, 138, 112])], col, pattern=pat)
        art.layer([("rect", [70, 68, 90, 98], 6)], darker(col, 0.12), shade=False)
        art.arc([34, 62, 78, 100], 120, 240, mix(col, ol, 0.4), 0.9)
        art.arc([82, 62, 126, 100], 300, 60, mix(col, ol, 0.4), 0.9)


DRAW = {
    "T-shirts": g_tshirt, "Shirts": g_shirt, "Sweaters": g_sweater, "Hoodies": g_hoodie, "Blouses": g_blouse,
    "Jeans": g_jeans, "Trousers": g_trousers, "Shorts": g_shorts, "Skirts": g_skirt, "Leggings": g_leggings,
    "Dresses": g_dress, "Jumpsuits": g_jumpsuit, "Rompers": g_romper, "Dungarees": g_dungarees,
    "Jackets": g_jacket, "Coats": g_coat, "Rain jackets": g_rain, "Snowsuits": g_snowsuit,
    "Sneakers": g_sneaker, "Boots": g_boot, "Sandals": g_sandal, "Wellies": g_welly,
    "Caps": g_cap, "Beanies": g_beanie, "Sun hats": g_sunhat, "Backpacks": g_backpack,
    "Scarves": g_scarf, "Gloves": g_gloves, "Socks": g_socks, "Belts": g_belt, "Hair accessories": g_hair,
}


def render(item) -> bytes:
    art = Art()
    col = COLOURS[item["colour"]]
    pat = make_pattern(item)
    DRAW[item["category"]](art, item, col, pat)
    small = art.finish()
    # Fewer tones for the busiest pictures so each PNG stays under ~6 KB.
    for ncol in (24, 16, 12):
        buf = io.BytesIO()
        small.quantize(colors=ncol, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).convert("RGB").save(
            buf, format="PNG", optimize=True)
        if buf.tell() <= 6000:
            break
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------------------------

COLUMNS = ["sku", "title", "description", "category", "colour", "brand", "age_group", "gender", "season", "size",
           "price", "currency", "image", "in_stock", "item_group_id"]

README = """# Demo catalogue (generated, synthetic)

**Nothing in this folder is a real product.** `catalogue.csv` and every picture in `images/` were generated by
`tools/gen_demo_catalogue.py`: children's garments drawn procedurally with Pillow (a silhouette per category,
filled with the item's colour, light shading, an optional stripe/dot/check pattern or print), with invented titles,
descriptions, brands, sizes and SEK prices. It exists so the app has something to show and test against before a
real catalogue is imported; real catalogues come in through the importers. Scores computed on it say nothing about
real fashion.

The rules that generate it are simple and deliberately coherent so outfit compatibility has some signal: summer
items are light (sandals, shorts, sun hats), winter items heavy (snowsuits, beanies, boots, mittens); newborns and
infants get mostly bodysuits, sleepsuits, tops, bottoms, hats and socks and very few shoes.

## Regenerate

```sh
python3 -m venv /tmp/demo-venv
/tmp/demo-venv/bin/pip install -r tools/requirements-demo.txt
/tmp/demo-venv/bin/python tools/gen_demo_catalogue.py          # rewrites assets/demo/
```

The generator uses a fixed seed ({seed}) and is deterministic: running it twice gives byte-identical files (with
the same Pillow/zlib versions). It prints a summary of counts per slot and age group.

## Columns of `catalogue.csv`

UTF-8, comma-separated, one header row, {n} items.

| column | meaning |
|---|---|
| `sku` | unique article id, `KD-` plus six digits |
| `title` | display title, e.g. "Toddler Girls' Strawberry Print Cotton Dress" |
| `description` | one to three sentences: fabric, fit, details, occasion, care |
| `category` | one of a fixed vocabulary; the slot it maps to is listed below |
| `colour` | main colour, one of: {colours} |
| `brand` | invented brand name |
| `age_group` | Google Merchant values: `newborn` (0-3 months), `infant` (3-12 months), `toddler` (1-5 years), `kids` (5-13 years) |
| `gender` | `female`, `male` or `unisex` |
| `season` | `spring`, `summer`, `autumn`, `winter` or `all` |
| `size` | age-appropriate size: Nordic height in cm (`86/92`), age (`2-3Y`, `3-6M`), shoe/sock size (`EU 24`, `EU 19-22`), head circumference for hats (`48-50 cm`) or `One size` |
| `price` | price in SEK, two decimals |
| `currency` | always `SEK` |
| `image` | path of the picture relative to this folder, `images/<sku>.png` (160x160 RGB PNG) |
| `in_stock` | `true` or `false` |
| `item_group_id` | shared by colour variants of the same article (`KDG-` plus four digits); empty for articles without variants |

## Categories and slots

| slot | categories |
|---|---|
{slots}
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = Path(__file__).resolve().parent.parent
    ap.add_argument("--out", type=Path, default=root / "assets" / "demo", help="output folder (default assets/demo)")
    ap.add_argument("--no-images", action="store_true", help="write only the CSV and README")
    args = ap.parse_args(argv)
    out: Path = args.out
    items = make_items()

    out.mkdir(parents=True, exist_ok=True)
    img_dir = out / "images"
    total_img = 0
    if not args.no_images:
        if img_dir.exists():
            shutil.rmtree(img_dir)
        img_dir.mkdir()
        for it in items:
            data = render(it)
            total_img += len(data)
            (img_dir / f"{it['sku']}.png").write_bytes(data)

    with open(out / "catalogue.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for it in items:
            w.writerow([it["sku"], it["title"], it["description"], it["category"], it["colour"], it["brand"],
                        it["age_group"], it["gender"], it["season"], it["size"], f"{it['price']:.2f}", "SEK",
                        it["image"], "true" if it["in_stock"] else "false", it["item_group_id"]])

    slots_md = "\n".join(f"| `{s}` | {', '.join(c)} |" for s, c in SLOTS.items())
    (out / "README.md").write_text(README.format(seed=SEED, n=len(items), colours=", ".join(COLOURS), slots=slots_md),
                                   encoding="utf-8")

    # Summary
    slot_age = Counter((SLOT_OF[it["category"]], it["age_group"]) for it in items)
    print(f"{len(items)} items -> {out}")
    print(f"{'slot':<11}" + "".join(f"{a:>9}" for a in AGE_GROUPS) + f"{'total':>9}")
    for s in SLOTS:
        row = [slot_age[(s, a)] for a in AGE_GROUPS]
        print(f"{s:<11}" + "".join(f"{v:>9}" for v in row) + f"{sum(row):>9}")
    tot = [sum(slot_age[(s, a)] for s in SLOTS) for a in AGE_GROUPS]
    print(f"{'total':<11}" + "".join(f"{v:>9}" for v in tot) + f"{sum(tot):>9}")
    print("seasons:", dict(sorted(Counter(it["season"] for it in items).items())))
    print("genders:", dict(sorted(Counter(it["gender"] for it in items).items())))
    print("in stock:", sum(it["in_stock"] for it in items), "/", len(items),
          "| variant groups:", len({it["item_group_id"] for it in items if it["item_group_id"]}),
          "with", sum(1 for it in items if it["item_group_id"]), "items")
    if not args.no_images:
        sizes = [(img_dir / f"{it['sku']}.png").stat().st_size for it in items]
        print(f"images: {len(sizes)} files, total {total_img / 1024:.0f} KiB, max {max(sizes) / 1024:.1f} KiB, "
              f"mean {total_img / len(sizes) / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
