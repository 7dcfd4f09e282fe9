use super::*;

#[test]
fn a_top_whose_title_names_a_one_piece_is_a_one_piece() {
    assert_eq!(one_piece_by_title(Slot::Top, "MORRIS onepiece BB"), Slot::OnePiece);
    assert_eq!(one_piece_by_title(Slot::Bottom, "Denim jumpsuit"), Slot::OnePiece);
    assert_eq!(one_piece_by_title(Slot::Top, "Jersey top"), Slot::Top);
    // Whole words only, and outerwear keeps its slot (a snowsuit is outerwear).
    assert_eq!(one_piece_by_title(Slot::Top, "Jumpsuits print tee"), Slot::Top);
    assert_eq!(one_piece_by_title(Slot::Outerwear, "Padded all-in-one suit"), Slot::Outerwear);
}

#[test]
fn colour_synonyms_match_whole_words_only() {
    // "tangerine" contains "tan"; it is not brown.
    use ColourFamily::*;
    assert_eq!(ColourFamily::of("tangerine"), Orange);
    assert_eq!(ColourFamily::of("tan"), Brown);
    assert_eq!(ColourFamily::of("light tan melange"), Brown);
    assert_eq!(ColourFamily::of("off white"), White);
    assert_eq!(ColourFamily::of("rosewood"), Other, "no family word in it");
}

#[test]
fn a_title_names_its_colour_by_whole_words() {
    assert_eq!(colour_word("Black leather biker jacket").as_deref(), Some("black"));
    assert_eq!(colour_word("navy blue blazer").as_deref(), Some("navy"));
    assert_eq!(colour_word("Off-White cotton tee").as_deref(), Some("off white"));
    assert_eq!(colour_word("Tanzania print dress"), None, "no colour inside another word");
    assert_eq!(colour_word("tangerine dream dress").as_deref(), Some("tangerine"));
    assert_eq!(colour_word("Redwood sandals"), None);
    assert_eq!(ColourFamily::of(&colour_word("Mustard knit").unwrap()), ColourFamily::Yellow);
}

#[test]
fn categories_map_to_slots() {
    assert_eq!(Slot::from_category("Dresses"), Some(Slot::OnePiece));
    assert_eq!(Slot::from_category("Rain jackets"), Some(Slot::Outerwear));
    assert_eq!(Slot::from_category("Snowsuits"), Some(Slot::Outerwear));
    assert_eq!(Slot::from_category("Apparel & Accessories > Shoes > Boots"), Some(Slot::Shoes));
    assert_eq!(Slot::from_category("Apparel & Accessories > Clothing > Pants"), Some(Slot::Bottom));
    assert_eq!(Slot::from_category("Kids' T-shirts"), Some(Slot::Top));
    assert_eq!(Slot::from_category("Hair accessories"), Some(Slot::Accessory));
    assert_eq!(Slot::from_category("Sun hats"), Some(Slot::Headwear));
    assert_eq!(Slot::from_category("Furniture"), None);
    // "top" must not match inside "laptop".
    assert_eq!(Slot::from_category("laptop"), None);
}

#[test]
fn slot_round_trips_and_synonyms() {
    for s in Slot::ALL {
        assert_eq!(Slot::parse(s.as_str()), Some(s));
        assert_eq!(Slot::from_index(s.index()), Some(s));
    }
    assert_eq!(Slot::parse("One-piece"), Some(Slot::OnePiece));
    assert_eq!(Slot::parse("nonsense"), None);
}

#[test]
fn enums_parse_feed_values() {
    assert_eq!(AgeGroup::parse("Toddler"), Some(AgeGroup::Toddler));
    assert_eq!(AgeGroup::parse("kids"), Some(AgeGroup::Kids));
    assert_eq!(AgeGroup::parse("teen"), None);
    assert_eq!(Gender::parse("Girls"), Some(Gender::Female));
    assert_eq!(Season::parse("fall"), Some(Season::Autumn));
}

#[test]
fn real_vocabularies_and_set_rules() {
    let c = |s: &str| classify(s).map(|c| (c.slot, c.set, c.excluded));
    assert_eq!(c("Garment Upper body > Vest top"), Some((Slot::Top, false, None)));
    assert_eq!(c("Apparel > Innerwear > Innerwear Vests"), Some((Slot::Top, false, Some(Exclusion::Underwear))));
    assert_eq!(c("Garment Lower body > Leggings/Tights"), Some((Slot::Bottom, false, None)));
    assert_eq!(c("Garment Full body > Outdoor overall"), Some((Slot::Outerwear, false, None)));
    assert_eq!(c("Garment Full body > Garment Set"), Some((Slot::OnePiece, true, None)));
    assert_eq!(c("Nightwear > Pyjama set"), Some((Slot::OnePiece, true, Some(Exclusion::Nightwear))));
    assert_eq!(c("Accessories > Accessories set"), Some((Slot::Accessory, false, None)));
    assert_eq!(c("Footwear > Flip Flops > Flip Flops"), Some((Slot::Shoes, false, None)));
    assert_eq!(c("Apparel > Bottomwear > Capris"), Some((Slot::Bottom, false, None)));
    assert_eq!(c("Apparel & Accessories > Clothing > Sleepwear & Loungewear"), Some((Slot::OnePiece, false, Some(Exclusion::Nightwear))));
    assert_eq!(c("Apparel & Accessories > Clothing > Outerwear > Snow Pants & Suits"), Some((Slot::Outerwear, false, None)));
    assert_eq!(c("Cosmetic > Fine cosmetics"), Some((Slot::Accessory, false, Some(Exclusion::Cosmetics))));
    assert_eq!(c("Garden > Furniture"), None);
}

#[test]
fn ages_from_sizes_and_words() {
    use AgeGroup::*;
    let s = |t: &str| age_from_size(t);
    assert_eq!([s("Baby Sizes 50-98"), s("Children Sizes 92-140"), s("Children Sizes 134-170")], [Some(Infant), Some(Toddler), Some(Kids)]);
    assert_eq!(
        [s("56"), s("74/80"), s("104"), s("152"), s("110 cm")],
        [Some(Newborn), Some(Infant), Some(Toddler), Some(Kids), Some(Toddler)]
    );
    assert_eq!(
        [s("0-3M"), s("3-6 months"), s("12-18M"), s("2-3Y"), s("8-10 years")],
        [Some(Newborn), Some(Infant), Some(Toddler), Some(Toddler), Some(Kids)]
    );
    assert_eq!([s("Size 2"), s("100% cotton"), s("XL"), s("EU 28")], [None, None, None, None]);
    assert_eq!(age_from_words("Baby Girls Romper"), Some(Infant), "the most specific word wins");
    assert_eq!(age_from_words("Boys"), Some(Kids));
    assert_eq!(age_from_words("Boyfriend jeans"), None);
    let hints = ["Children Sizes 92-140", "Young Girl"];
    assert_eq!(infer_age("", "", &hints, ""), Some((Toddler, AgeSource::Size)), "sizes beat the word girl");
    assert_eq!(infer_age("", "", &["Girls"], ""), Some((Kids, AgeSource::Words)));
    assert_eq!(infer_age("toddler", "152", &["Girls"], ""), Some((Toddler, AgeSource::Column)));
    assert_eq!(gender_from_words("Baby Boy Woven"), Some(Gender::Male));
    // A department that says only "Boys" gives way to a title naming a younger band, never the other way round.
    assert_eq!(infer_age("", "", &["Boys"], "Madagascar 3 Infant Boys Booties"), Some((Infant, AgeSource::Words)));
    assert_eq!(infer_age("", "", &["Baby Boy"], "Boys' cotton shorts"), Some((Infant, AgeSource::Words)));
    assert_eq!(infer_age("", "", &["Boys"], "Boys' cotton shorts"), Some((Kids, AgeSource::Words)));
    assert_eq!(infer_age("", "", &["Boys"], "Jungle Book Boys Baby Blue Clothing Set"), Some((Kids, AgeSource::Words)));
    assert_eq!(infer_age("", "", &[], "Baby Blue Romper"), Some((Infant, AgeSource::Words)), "no department: the title decides");
}

#[test]
fn colours_fold_into_families() {
    let idx = |s| ColourFamily::of(s).name();
    assert_eq!(idx("Navy Blue"), "navy");
    assert_eq!(idx("light blue"), "blue");
    assert_eq!(idx("Dusty Rose"), "pink");
    assert_eq!(idx("heather gray"), "grey");
    assert_eq!(idx("chartreuse"), "other");
    // The one-hot order is the declaration order, and names parse back.
    assert_eq!((ColourFamily::Red.index(), ColourFamily::Other.index(), ColourFamily::COUNT), (0, 14, 15));
    assert!(ColourFamily::ALL.iter().all(|f| f.name().parse::<ColourFamily>() == Ok(*f)));
    // A family's words are its name, then its synonyms, each of which folds back into it.
    assert_eq!(ColourFamily::Purple.words().collect::<Vec<_>>(), ["purple", "lilac", "lavender"]);
    assert!(ColourFamily::ALL.iter().all(|&f| f == ColourFamily::Other || f.words().all(|w| ColourFamily::of(w) == f)));
}
