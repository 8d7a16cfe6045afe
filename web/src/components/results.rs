//! The result list: one element per result with kind, title, organisation, region, a score bar split
//! by component, highlighted matched terms, keywords and reasons; facets; and the empty state.
//!
//! Catalog text only ever becomes DOM text nodes (yew text children), never HTML, so markup or a
//! `javascript:` URL in a record shows as the characters it is.

use duijie_core::{Band, MatchResult, Resource, Span};
use yew::prelude::*;

use crate::highlight::pieces;
use crate::i18n::{component_label, Lang};
use crate::state::{fit_percent, kind_label, region_name, Action, Load, Pick, State};

/// Longest summary excerpt shown, in UTF-16 units.
const SUMMARY_UNITS: usize = 160;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

#[function_component(Results)]
pub fn results(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
    // Until the snapshot is indexed the server answers, when online; offline, there is nothing
    // to match on until then.
    let can_answer = state.matcher.is_some() || state.online;
    let body = match &state.load {
        Load::Failed(message) if state.matcher.is_none() && state.results.is_empty() => html! {
            <p class="hint error">{ lang.t("load_failed") }{ ": " }{ message.clone() }</p>
        },
        _ if !state.has_query() => {
            if can_answer {
                html! { <p class="hint">{ lang.t("type_to_match") }</p> }
            } else {
                html! { <p class="hint">{ lang.t("loading") }</p> }
            }
        }
        _ if state.results.is_empty() => {
            if state.answered_by.is_some() && state.is_current() {
                empty_state(state)
            } else if state.matcher.is_none() {
                html! { <p class="hint">{ lang.t("loading") }</p> }
            } else {
                html! {}
            }
        }
        _ => {
            let shown = state.shown_results().iter().map(|found| {
                let id = &found.result.id;
                html! { <ResultItem key={id.clone()} result={found.result.clone()} resource={found.resource.clone()} lang={lang} shortlisted={state.is_shortlisted(id)} dispatcher={state.dispatcher()} /> }
            });
            let more = state.results.len() > state.shown;
            let on_more = {
                let dispatcher = state.dispatcher();
                Callback::from(move |_| dispatcher.dispatch(Action::ShowMore))
            };
            // The best band of the answer: below strong, say so before the list; below weak, the
            // list is no match, only the nearest the catalog has.
            let best = state
                .results
                .first()
                .map_or(Band::None, |found| found.result.band);
            let notice = match best {
                Band::Strong => None,
                Band::Possible | Band::Weak => Some(("no_strong_match", "notice")),
                Band::None => Some(("no_match_nearest", "notice none")),
            };
            html! {
                <>
                    { facets(state) }
                    if let Some((key, class)) = notice {
                        <p class={classes!("band-notice", class)} role="status">{ lang.t(key) }</p>
                    }
                    <ol class="results" aria-live="polite">{ for shown }</ol>
                    if more {
                        <button type="button" class="more" onclick={on_more}>{ lang.t("more") }</button>
                    }
                </>
            }
        }
    };
    html! {
        <section class="results-pane" aria-label={lang.t("results")}>
            { active_filters(state) }
            { body }
        </section>
    }
}

fn facets(state: &UseReducerHandle<State>) -> Html {
    let lang = state.lang;
    let kinds = state.facets.kinds.iter().filter(|_| state.picks.kinds.is_empty()).map(|&(kind, count)| {
        let dispatcher = state.dispatcher();
        let onclick = Callback::from(move |_| dispatcher.dispatch(Action::Pick(Pick::Kind(kind, true))));
        html! { <button type="button" class="facet" data-kind={kind.as_str()} {onclick}>{ kind_label(lang, kind) }{ format!(" {count}") }</button> }
    });
    let provinces = state.facets.provinces.iter().filter(|_| state.picks.region().is_none()).map(|(code, count)| {
        let dispatcher = state.dispatcher();
        let code = code.clone();
        let name = region_name(&code);
        let onclick = Callback::from(move |_| dispatcher.dispatch(Action::Pick(Pick::Province(Some(code.clone())))));
        html! { <button type="button" class="facet" {onclick}>{ name }{ format!(" {count}") }</button> }
    });
    html! {
        <div class="facets" aria-label={lang.t("facets")}>{ for kinds }{ for provinces }</div>
    }
}

fn active_filters(state: &UseReducerHandle<State>) -> Html {
    let lang = state.lang;
    let chips = state.picks.active().into_iter().map(|key| {
        let dispatcher = state.dispatcher();
        let onclick = Callback::from(move |_| dispatcher.dispatch(Action::Clear(key)));
        html! {
            <button type="button" class="chip" {onclick} title={lang.t("clear")}>{ key.label(lang) }{ " ×" }</button>
        }
    });
    html! { <div class="active-filters">{ for chips }</div> }
}

fn empty_state(state: &UseReducerHandle<State>) -> Html {
    let lang = state.lang;
    let relax = state.relax.iter().map(|&(key, count)| {
        let dispatcher = state.dispatcher();
        let onclick = Callback::from(move |_| dispatcher.dispatch(Action::Clear(key)));
        let label = match lang {
            Lang::Zh => format!("{}（{count} 条结果）", key.label(lang)),
            Lang::En => format!("{} ({count} results)", key.label(lang)),
        };
        html! { <li><button type="button" class="relax" {onclick}>{ lang.t("relax") }{ ": " }{ label }</button></li> }
    });
    html! {
        <div class="empty" role="status">
            <p>{ lang.t("no_results") }</p>
            if state.relax.is_empty() {
                <p class="hint">{ lang.t("fewer_words") }</p>
            } else {
                <p class="hint">{ lang.t("relax_hint") }</p>
                <ul>{ for relax }</ul>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ItemProps {
    result: MatchResult,
    resource: Option<Resource>,
    lang: Lang,
    shortlisted: bool,
    /// Not the state handle: an item re-renders only when its own props change, not on every
    /// keystroke.
    dispatcher: UseReducerDispatcher<State>,
}

#[function_component(ResultItem)]
fn result_item(props: &ItemProps) -> Html {
    let lang = props.lang;
    let result = &props.result;
    let Some(resource) = props.resource.as_ref() else {
        return html! {};
    };
    let spans = |field: &str| -> Vec<Span> {
        result
            .matched
            .iter()
            .filter(|matched| matched.field == field)
            .flat_map(|matched| matched.spans.iter().copied())
            .collect()
    };
    let matched_keywords: Vec<u32> = result
        .matched
        .iter()
        .filter(|matched| matched.field == "keywords")
        .filter_map(|matched| matched.item)
        .collect();
    let title = if resource.title.is_empty() {
        &resource.id
    } else {
        &resource.title
    };
    let title_spans = if resource.title.is_empty() {
        Vec::new()
    } else {
        spans("title")
    };
    let on_toggle = {
        let dispatcher = props.dispatcher.clone();
        let id = result.id.clone();
        Callback::from(move |_| dispatcher.dispatch(Action::ToggleShortlist(id.clone())))
    };
    // Each component's part of the fit: the bar is as long as the fit.
    let segments = result.components.iter().filter(|component| component.applies && component.contribution > 0.0).map(|component| {
        let share = component.contribution * 100.0;
        let label = format!("{} {:.0}% (+{:.0})", component_label(lang, &component.name), component.value * 100.0, component.contribution * 100.0);
        html! { <span class={classes!("seg", format!("c-{}", component.name))} style={format!("width:{share:.2}%")} title={label}></span> }
    });
    let band = result.band;
    let legend = result.components.iter().filter(|component| component.applies).map(|component| {
        html! { <li class={format!("c-{}", component.name)}>{ component_label(lang, &component.name) }{ format!(" {:.0}%", component.value * 100.0) }</li> }
    });
    let meta: Vec<String> = [
        resource.position.clone(),
        resource.organization.clone(),
        resource
            .region
            .as_deref()
            .map(region_name)
            .unwrap_or_default(),
        resource
            .maturity
            .map(|level| format!("{} {level}", lang.t("maturity")))
            .unwrap_or_default(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect();
    let reasons = result
        .reasons
        .iter()
        .map(|reason| html! { <li>{ lang.pick(&reason.zh, &reason.en).to_string() }</li> });
    let keywords = resource
        .keywords
        .iter()
        .enumerate()
        .map(|(index, keyword)| {
            let marked = matched_keywords.contains(&(index as u32));
            html! { <li class={classes!(marked.then_some("hit"))}>{ keyword.clone() }</li> }
        });
    let kind_class = format!("kind kind-{}", resource.kind.as_str());
    html! {
        <li class={classes!("result", format!("band-{}", band.as_str()))} data-resource-id={result.id.clone()} data-band={band.as_str()} tabindex="0">
            <div class="head">
                <span class={kind_class}>{ kind_label(lang, resource.kind) }</span>
                <h3 class="title">{ marked_text(title, &title_spans, 200) }</h3>
                <span class={classes!("band", format!("band-{}", band.as_str()))}>{ lang.pick(band.label_zh(), band.label_en()) }</span>
                <span class="score" title={lang.t("score")}>{ fit_percent(result.score) }</span>
            </div>
            if !meta.is_empty() {
                <p class="meta">{ meta.join(" · ") }</p>
            }
            <div class="bar" role="img" aria-label={format!("{} {}%", lang.t("score"), fit_percent(result.score))}>
                { for segments }
            </div>
            <ul class="legend">{ for legend }</ul>
            if !resource.summary.is_empty() {
                <p class="summary">{ marked_text(&resource.summary, &spans("summary"), SUMMARY_UNITS) }</p>
            }
            if !resource.keywords.is_empty() {
                <ul class="keywords">{ for keywords }</ul>
            }
            if !result.reasons.is_empty() {
                <ul class="reasons" aria-label={lang.t("reasons")}>{ for reasons }</ul>
            }
            <button type="button" class="toggle" aria-pressed={props.shortlisted.to_string()} onclick={on_toggle}>
                { if props.shortlisted { lang.t("remove") } else { lang.t("add") } }
            </button>
        </li>
    }
}

/// Text with matched spans in `<mark>`: each piece is a text node.
fn marked_text(text: &str, spans: &[Span], max_units: usize) -> Html {
    let (pieces, cut_before, cut_after) = pieces(text, spans, max_units);
    html! {
        <>
            if cut_before { { "…" } }
            { for pieces.into_iter().map(|piece| if piece.marked {
                html! { <mark>{ piece.text }</mark> }
            } else {
                html! { { piece.text } }
            }) }
            if cut_after { { "…" } }
        </>
    }
}
