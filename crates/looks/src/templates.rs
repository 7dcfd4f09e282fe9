//! Outfit templates for children: which slots a generated look fills, and for which heroes (age band, season).
//!
//! A stylist edits the list (`outfit-studio templates set FILE.json`); it is stored as the `looks.templates`
//! setting in the database, so every app and CLI on that database generates with the same list. Without a saved
//! list the defaults apply: two-piece and one-piece looks with shoes for infants to kids, the same layered with
//! outerwear and headwear in autumn and winter, and newborn sets without shoes.

use anyhow::{Result, bail};
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
    /// Age bands of heroes it applies to; empty: any. A hero without an age band is dressed as kids.
    #[serde(default)]
    pub age_groups: Vec<AgeGroup>,
    /// Seasons it applies to (the target season of the batch, else the hero's); empty: any. An all-season hero
    /// with no target season only gets templates without a season condition.
    #[serde(default)]
    pub seasons: Vec<Season>,
}

impl Template {
    fn new(name: &str, slots: &[Slot], age_groups: &[AgeGroup], seasons: &[Season]) -> Template {
        Template { name: name.into(), slots: slots.to_vec(), age_groups: age_groups.to_vec(), seasons: seasons.to_vec() }
    }

    /// Whether a hero of this slot, age band and (target) season is dressed with this template.
    pub fn applies(&self, hero_slot: Slot, age: Option<AgeGroup>, season: Option<Season>) -> bool {
        let age_ok = self.age_groups.is_empty() || self.age_groups.contains(&age.unwrap_or(AgeGroup::Kids));
        let season_ok = self.seasons.is_empty() || season.is_some_and(|s| self.seasons.contains(&s));
        self.slots.contains(&hero_slot) && age_ok && season_ok
    }
}

/// The templates a new database generates with.
pub fn defaults() -> Vec<Template> {
    use AgeGroup::*;
    use Season::*;
    use Slot::*;
    let walking = [Infant, Toddler, Kids];
    vec![
        Template::new("two-piece", &[Top, Bottom, Shoes], &walking, &[]),
        Template::new("one-piece", &[OnePiece, Shoes], &walking, &[]),
        Template::new("two-piece-layered", &[Top, Bottom, Shoes, Outerwear, Headwear], &walking, &[Autumn, Winter]),
        Template::new("one-piece-layered", &[OnePiece, Shoes, Outerwear, Headwear], &walking, &[Autumn, Winter]),
        Template::new("newborn-set", &[OnePiece, Headwear], &[Newborn], &[]),
        Template::new("newborn-two-piece", &[Top, Bottom, Headwear], &[Newborn], &[]),
    ]
}

/// Checks a template list: names unique and non-empty, at least two distinct slots each.
pub fn validate(list: &[Template]) -> Result<()> {
    if list.is_empty() {
        bail!("the template list is empty: keep at least one template (or reset to the defaults)");
    }
    for (i, t) in list.iter().enumerate() {
        if t.name.trim().is_empty() {
            bail!("template {} has no name", i + 1);
        }
        if list[..i].iter().any(|o| o.name == t.name) {
            bail!("two templates are named {:?}", t.name);
        }
        let mut s = t.slots.clone();
        s.sort();
        s.dedup();
        if s.len() != t.slots.len() {
            bail!("template {:?} names a slot twice", t.name);
        }
        if s.len() < 2 {
            bail!("template {:?} needs at least two slots (the hero's and one more)", t.name);
        }
    }
    Ok(())
}

/// Parses a saved or edited list (JSON array of templates) and validates it.
pub fn parse(json: &str) -> Result<Vec<Template>> {
    let list: Vec<Template> = serde_json::from_str(json).map_err(|e| anyhow::anyhow!("not a template list: {e}"))?;
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
        assert_eq!(names(Slot::OnePiece, Some(AgeGroup::Toddler), Some(Season::Summer)), ["one-piece"]);
        assert_eq!(names(Slot::OnePiece, Some(AgeGroup::Toddler), Some(Season::Winter)), ["one-piece", "one-piece-layered"]);
        // Newborn sets have no shoes; a newborn one-piece never gets a walking template.
        assert_eq!(names(Slot::OnePiece, Some(AgeGroup::Newborn), None), ["newborn-set"]);
        assert!(names(Slot::Shoes, Some(AgeGroup::Newborn), None).is_empty());
        // Unknown age is dressed as kids; an all-season hero only gets unconditioned templates.
        assert_eq!(names(Slot::Top, None, None), ["two-piece"]);
    }

    #[test]
    fn bad_lists_are_refused_with_the_reason() {
        assert!(parse("[]").unwrap_err().to_string().contains("empty"));
        let one = r#"[{"name":"x","slots":["top"]}]"#;
        assert!(parse(one).unwrap_err().to_string().contains("two slots"));
        let dup = r#"[{"name":"x","slots":["top","shoes"]},{"name":"x","slots":["bottom","shoes"]}]"#;
        assert!(parse(dup).unwrap_err().to_string().contains("named"));
        assert!(parse("{").is_err());
        let ok = r#"[{"name":"x","slots":["top","shoes"],"seasons":["winter"]}]"#;
        assert_eq!(parse(ok).unwrap()[0].seasons, [Season::Winter]);
    }
}
