//! The pickers: region (province → city → county, or a strategic region), industry, discipline,
//! cooperation modes, minimum maturity and kinds. Inside a portal the page's scope shows in them:
//! the region it names is fixed (shown, not choosable), and only its kinds are offered.

use duijie_core::taxonomy::{taxonomies, Node};
use duijie_core::{Filters as Scope, Kind, Mode};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::state::{kind_label, picker_disciplines, Action, LockedRegion, Pick, Picks, State};

/// Only what the pickers show: typing a need does not re-render them.
#[derive(Properties, PartialEq)]
pub struct Props {
    pub picks: Picks,
    /// The page's scope (a portal's region and kinds).
    pub scope: Scope,
    pub lang: Lang,
    pub dispatcher: UseReducerDispatcher<State>,
}

#[function_component(Filters)]
pub fn filters(props: &Props) -> Html {
    let dispatcher = &props.dispatcher;
    let lang = props.lang;
    let picks = &props.picks;
    let taxonomies = taxonomies();
    let regions = &taxonomies.regions;
    let locked = LockedRegion::of(&props.scope);
    // Within a strategic scope, only the places it covers are offered.
    let within_scope = |node: &Node| match locked.strategic.as_deref() {
        None => true,
        Some(scope) => {
            let members = taxonomies
                .strategic_region(scope)
                .map(|region| region.members.as_slice())
                .unwrap_or_default();
            taxonomies.region_covers(scope, &node.code)
                || members
                    .iter()
                    .any(|member| regions.is_within(member, &node.code))
        }
    };
    let province = locked.province.as_deref().or(picks.province.as_deref());
    let city = locked.city.as_deref().or(picks.city.as_deref());
    let pick = |make: fn(Option<String>) -> Pick| {
        let dispatcher = dispatcher.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            dispatcher.dispatch(Action::Pick(make((!value.is_empty()).then_some(value))));
        })
    };
    let provinces: Vec<&Node> = regions
        .nodes()
        .iter()
        .filter(|node| node.parent.is_none() && within_scope(node))
        .collect();
    let cities: Vec<&Node> = province
        .map(|code| regions.children(code))
        .unwrap_or_default()
        .into_iter()
        .filter(|node| within_scope(node))
        .collect();
    let counties: Vec<&Node> = city
        .map(|code| regions.children(code))
        .unwrap_or_default()
        .into_iter()
        .filter(|node| within_scope(node))
        .collect();
    let industries: Vec<&Node> = taxonomies
        .industries
        .nodes()
        .iter()
        .filter(|node| node.level <= 2 && !node.name.is_empty())
        .collect();
    let disciplines = picker_disciplines();
    let on_maturity = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            dispatcher.dispatch(Action::Pick(Pick::MinMaturity(value.parse().ok())));
        })
    };
    // The page's kinds, else all.
    let kinds: Vec<Kind> = if props.scope.kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        Kind::ALL
            .into_iter()
            .filter(|kind| props.scope.kinds.contains(kind))
            .collect()
    };
    let strategic = taxonomies.strategic.iter().map(|region| {
        html! { <option value={region.id.clone()} selected={picks.strategic.as_deref() == Some(region.id.as_str())}>{ &region.name }</option> }
    });

    html! {
        <aside class="filters" aria-label={lang.t("filters")}>
            <fieldset class="region" data-scope={props.scope.region.clone().unwrap_or_default()}>
                <legend>{ lang.t("region") }</legend>
                if let Some(code) = &locked.strategic {
                    { fixed("strategic", lang.t("strategic"), &strategic_name(code)) }
                }
                if let Some(code) = &locked.province {
                    { fixed("province", lang.t("province"), &region_label(code)) }
                } else {
                    { select("province", lang.t("province"), lang, &provinces, picks.province.as_deref(), pick(Pick::Province)) }
                }
                if let Some(code) = &locked.city {
                    { fixed("city", lang.t("city"), &region_label(code)) }
                } else if !cities.is_empty() {
                    { select("city", lang.t("city"), lang, &cities, picks.city.as_deref(), pick(Pick::City)) }
                }
                if let Some(code) = &locked.county {
                    { fixed("county", lang.t("county"), &region_label(code)) }
                } else if !counties.is_empty() {
                    { select("county", lang.t("county"), lang, &counties, picks.county.as_deref(), pick(Pick::County)) }
                }
                if locked.is_empty() {
                    <label>
                        <span>{ lang.t("strategic") }</span>
                        <select name="strategic" onchange={pick(Pick::Strategic)}>
                            <option value="" selected={picks.strategic.is_none()}>{ lang.t("any") }</option>
                            { for strategic }
                        </select>
                    </label>
                }
            </fieldset>
            { select("industry", lang.t("industry"), lang, &industries, picks.industry.as_deref(), pick(Pick::Industry)) }
            { select("discipline", lang.t("discipline"), lang, &disciplines, picks.discipline.as_deref(), pick(Pick::Discipline)) }
            <fieldset class="modes">
                <legend>{ lang.t("modes") }</legend>
                { for Mode::ALL.iter().map(|&mode| checkbox(dispatcher, Pick::Mode(mode, true), Pick::Mode(mode, false), picks.modes.contains(&mode), lang.pick(mode.label_zh(), mode.label_en()), mode.as_str())) }
            </fieldset>
            <label>
                <span>{ lang.t("min_maturity") }</span>
                <select name="min_maturity" onchange={on_maturity}>
                    <option value="" selected={picks.min_maturity.is_none()}>{ lang.t("any") }</option>
                    { for (1u8..=9).map(|level| html! {
                        <option value={level.to_string()} selected={picks.min_maturity == Some(level)}>{ format!("TRL {level}") }</option>
                    }) }
                </select>
            </label>
            <fieldset class="kinds">
                <legend>{ lang.t("kinds") }</legend>
                if props.scope.kinds.len() == 1 {
                    // The page shows one kind: nothing to choose.
                    <label class="check">
                        <input type="checkbox" value={props.scope.kinds[0].as_str()} checked=true disabled=true />
                        <span>{ kind_label(lang, props.scope.kinds[0]) }</span>
                    </label>
                } else {
                    { for kinds.iter().map(|&kind| checkbox(dispatcher, Pick::Kind(kind, true), Pick::Kind(kind, false), picks.kinds.contains(&kind), kind_label(lang, kind), kind.as_str())) }
                }
            </fieldset>
        </aside>
    }
}

fn select(
    name: &'static str,
    label: &'static str,
    lang: Lang,
    nodes: &[&Node],
    selected: Option<&str>,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <label>
            <span>{ label }</span>
            <select {name} {onchange}>
                <option value="" selected={selected.is_none()}>{ lang.t("any") }</option>
                { for nodes.iter().map(|node| html! {
                    <option value={node.code.clone()} selected={selected == Some(node.code.as_str())}>
                        { indent(node) }{ &node.name }
                    </option>
                }) }
            </select>
        </label>
    }
}

/// A picker the page's scope fixes: shown as a disabled select with its one value, so the broker
/// sees the scope where the choice would be.
fn fixed(name: &'static str, label: &'static str, value: &str) -> Html {
    html! {
        <label class="fixed">
            <span>{ label }</span>
            <select {name} disabled=true>
                <option selected=true>{ value.to_string() }</option>
            </select>
        </label>
    }
}

fn region_label(code: &str) -> String {
    taxonomies()
        .regions
        .get(code)
        .map_or_else(|| code.to_string(), |node| node.name.clone())
}

fn strategic_name(id: &str) -> String {
    taxonomies()
        .strategic_region(id)
        .map_or_else(|| id.to_string(), |region| region.name.clone())
}

/// Industry divisions sit under their sections: indent them in the list.
fn indent(node: &Node) -> &'static str {
    if node.level >= 2 && node.parent.is_some() && node.code.len() <= 2 {
        "\u{3000}"
    } else {
        ""
    }
}

fn checkbox(
    dispatcher: &UseReducerDispatcher<State>,
    on: Pick,
    off: Pick,
    checked: bool,
    label: &str,
    value: &'static str,
) -> Html {
    let dispatcher = dispatcher.clone();
    let onchange = Callback::from(move |event: Event| {
        let checked = event.target_unchecked_into::<HtmlInputElement>().checked();
        let pick = if checked { on.clone() } else { off.clone() };
        dispatcher.dispatch(Action::Pick(pick));
    });
    html! {
        <label class="check">
            <input type="checkbox" {value} {checked} {onchange} />
            <span>{ label.to_string() }</span>
        </label>
    }
}
