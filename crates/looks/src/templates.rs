//! Outfit templates for children: which slots a generated look fills, and for which heroes (age band, season).
//!
//! A stylist edits the list (`outfit-studio templates set FILE.json`); it is stored as the `looks.templates`
//! setting in the database, so every app and CLI on that database generates with the same list. Without a saved
//! list the defaults apply: two-piece and one-piece looks with shoes for infants to kids, the same layered with
//! outerwear and headwear in autumn and winter, and newborn sets without shoes.

use super::{LooksError, Result};
use outfit_catalogue::{AgeGroup, Season, Slot};
use serde::{Deserialize, Serialize};

/// The settings key the template list is saved under.
pub const SETTING_KEY: &str = "looks.templates";

/// One outfit template: the slots a look fills (the hero's own slot among them) and when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    /// Every slot of the look, the hero's included, in the order the search fills them.
    pub slots: Vec<Slot>,
    /// Slots of `slots` filled only when something fits ("shoes if the age band has any"): a catalogue without
    /// toddler shoes still dresses toddlers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<Slot>,
    /// Hero slots it dresses; empty: any of its slots (a "hat and two-piece" dresses hats, not tops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heroes: Vec<Slot>,
    /// The template used instead when a required slot has nothing that fits this hero (a smaller look).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Age bands of heroes it applies to; empty: any. A hero without an age band is dressed as kids.
    #[serde(default)]
    pub age_groups: Vec<AgeGroup>,
    /// Seasons it applies to (the target season of the batch, else the hero's); empty: any. An all-season hero
    /// with no target season only gets templates without a season condition.
    #[serde(default)]
    pub seasons: Vec<Season>,
}

impl Template {
    /// A template of required slots only, for any hero of its slots, age and season.
    pub fn new(name: &str, slots: &[Slot]) -> Template {
        Template {
            name: name.into(),
            slots: slots.to_vec(),
            optional: Vec::new(),
            heroes: Vec::new(),
            fallback: None,
            age_groups: Vec::new(),
            seasons: Vec::new(),
        }
    }
    fn with_optional(mut self, slots: &[Slot]) -> Template {
        self.slots.extend(slots);
        self.optional = slots.to_vec();
        self
    }
    fn for_heroes(mut self, slots: &[Slot]) -> Template {
        self.heroes = slots.to_vec();
        self
    }
    fn or_else(mut self, fallback: &str) -> Template {
        self.fallback = Some(fallback.into());
        self
    }
    fn when(mut self, ages: &[AgeGroup], seasons: &[Season]) -> Template {
        self.age_groups = ages.to_vec();
        self.seasons = seasons.to_vec();
        self
    }

    /// Whether the slot is filled only when something fits.
    pub fn is_optional(&self, slot: Slot) -> bool {
        self.optional.contains(&slot)
    }

    /// Whether a hero of this slot may be dressed with it (its age band and season aside).
    pub fn dresses(&self, hero_slot: Slot) -> bool {
        self.slots.contains(&hero_slot) && (self.heroes.is_empty() || self.heroes.contains(&hero_slot))
    }

    /// Whether a hero of this slot, age band and (target) season is dressed with this template.
    pub fn applies(&self, hero_slot: Slot, age: Option<AgeGroup>, season: Option<Season>) -> bool {
        let age_ok = self.age_groups.is_empty() || self.age_groups.contains(&age.unwrap_or(AgeGroup::Kids));
        let season_ok = self.seasons.is_empty() || season.is_some_and(|s| self.seasons.contains(&s));
        self.dresses(hero_slot) && age_ok && season_ok
    }
}

/// The templates a new database generates with. Shoes and hats are optional (a kids' catalogue often has none
/// for an age band); a one-piece without shoes falls back to one under a cardigan or jacket; a layered look
/// without outerwear falls back to the plain one.
pub fn defaults() -> Vec<Template> {
    use AgeGroup::*;
    use Season::*;
    use Slot::*;
    let walking = [Infant, Toddler, Kids];
    let cold = [Autumn, Winter];
    vec![
        Template::new("two-piece", &[Top, Bottom]).with_optional(&[Shoes]).when(&walking, &[]),
        Template::new("one-piece", &[OnePiece, Shoes]).or_else("one-piece-cover").when(&walking, &[]),
        Template::new("one-piece-cover", &[OnePiece, Outerwear]).with_optional(&[Shoes]).when(&walking, &[]),
        Template::new("dress-and-leggings", &[OnePiece, Bottom]).with_optional(&[Shoes]).for_heroes(&[OnePiece]).when(&walking, &[]),
        Template::new("jacket-and-two-piece", &[Outerwear, Top, Bottom])
            .with_optional(&[Shoes])
            .for_heroes(&[Outerwear])
            .when(&walking, &[]),
        Template::new("hat-and-two-piece", &[Headwear, Top, Bottom]).with_optional(&[Shoes]).for_heroes(&[Headwear]).when(&walking, &[]),
        Template::new("two-piece-layered", &[Top, Bottom, Outerwear])
            .with_optional(&[Shoes, Headwear])
            .or_else("two-piece")
            .when(&walking, &cold),
        Template::new("one-piece-layered", &[OnePiece, Outerwear])
            .with_optional(&[Shoes, Headwear])
            .or_else("one-piece")
            .when(&walking, &cold),
        Template::new("newborn-set", &[OnePiece, Headwear]).when(&[Newborn], &[]),
        Template::new("newborn-two-piece", &[Top, Bottom]).with_optional(&[Headwear]).when(&[Newborn], &[]),
    ]
}

/// Checks a template list: names unique and non-empty, at least two distinct slots each, optional slots among
/// its slots with at least one required, hero slots among its slots, fallbacks naming another template.
pub fn validate(list: &[Template]) -> Result<()> {
    if list.is_empty() {
        return Err(invalid("the template list is empty: keep at least one template (or reset to the defaults)"));
    }
    for (i, t) in list.iter().enumerate() {
        if t.name.trim().is_empty() {
            return Err(invalid(format!("template {} has no name", i + 1)));
        }
        if list[..i].iter().any(|o| o.name == t.name) {
            return Err(invalid(format!("two templates are named {:?}", t.name)));
        }
        let mut s = t.slots.clone();
        s.sort();
        s.dedup();
        if s.len() != t.slots.len() {
            return Err(invalid(format!("template {:?} names a slot twice", t.name)));
        }
        if s.len() < 2 {
            return Err(invalid(format!("template {:?} needs at least two slots (the hero's and one more)", t.name)));
        }
        if let Some(o) = t.optional.iter().chain(&t.heroes).find(|o| !t.slots.contains(o)) {
            return Err(invalid(format!(
                "template {:?} names {} as optional or as a hero slot, but not among its slots",
                t.name,
                o.as_str()
            )));
        }
        if t.slots.iter().all(|s| t.is_optional(*s)) {
            return Err(invalid(format!("template {:?} has only optional slots: make at least one required", t.name)));
        }
        if let Some(f) = &t.fallback
            && (f == &t.name || !list.iter().any(|o| &o.name == f))
        {
            return Err(invalid(format!("template {:?} falls back to {f:?}, which is not another template of the list", t.name)));
        }
    }
    Ok(())
}

/// A [`LooksError::Template`] from a message.
fn invalid(message: impl Into<String>) -> LooksError {
    LooksError::Template(message.into())
}

/// Parses a saved or edited list (JSON array of templates) and validates it.
pub fn parse(json: &str) -> Result<Vec<Template>> {
    let list: Vec<Template> = serde_json::from_str(json).map_err(LooksError::NotATemplateList)?;
    validate(&list)?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_dress_children_by_age_and_season() {
        let d = defaults();
        validate(&d).unwrap();
        let names =
            |slot, age, season| -> Vec<String> { d.iter().filter(|t| t.applies(slot, age, season)).map(|t| t.name.clone()).collect() };
        assert_eq!(
            names(Slot::OnePiece, Some(AgeGroup::Toddler), Some(Season::Summer)),
            ["one-piece", "one-piece-cover", "dress-and-leggings"]
        );
        assert_eq!(
            names(Slot::OnePiece, Some(AgeGroup::Toddler), Some(Season::Winter)),
            ["one-piece", "one-piece-cover", "dress-and-leggings", "one-piece-layered"]
        );
        // Hero-only templates: a hat is dressed with a two-piece, a top never gets the hat template.
        assert_eq!(names(Slot::Headwear, Some(AgeGroup::Kids), None), ["hat-and-two-piece"]);
        // Newborn sets have no shoes; a newborn one-piece never gets a walking template.
        assert_eq!(names(Slot::OnePiece, Some(AgeGroup::Newborn), None), ["newborn-set"]);
        assert!(names(Slot::Shoes, Some(AgeGroup::Newborn), None).is_empty());
        // Unknown age is dressed as kids; an all-season hero only gets unconditioned templates.
        assert_eq!(names(Slot::Top, None, None), ["two-piece"]);
        assert!(d.iter().all(|t| !t.is_optional(Slot::Top) && !t.is_optional(Slot::OnePiece)));
    }

    #[test]
    fn bad_lists_are_refused_with_the_reason() {
        assert!(parse("[]").unwrap_err().to_string().contains("empty"));
        let one = r#"[{"name":"x","slots":["top"]}]"#;
        assert!(parse(one).unwrap_err().to_string().contains("two slots"));
        let dup = r#"[{"name":"x","slots":["top","shoes"]},{"name":"x","slots":["bottom","shoes"]}]"#;
        assert!(parse(dup).unwrap_err().to_string().contains("named"));
        assert!(parse("{").is_err());
        let opt = r#"[{"name":"x","slots":["top","shoes"],"optional":["bag"]}]"#;
        assert!(parse(opt).unwrap_err().to_string().contains("optional"));
        let all_opt = r#"[{"name":"x","slots":["top","shoes"],"optional":["top","shoes"]}]"#;
        assert!(parse(all_opt).unwrap_err().to_string().contains("required"));
        let fb = r#"[{"name":"x","slots":["top","shoes"],"fallback":"y"}]"#;
        assert!(parse(fb).unwrap_err().to_string().contains("falls back"));
        // A list saved before optional slots existed still reads.
        let ok = r#"[{"name":"x","slots":["top","shoes"],"seasons":["winter"]}]"#;
        assert_eq!(parse(ok).unwrap()[0].seasons, [Season::Winter]);
    }
}
