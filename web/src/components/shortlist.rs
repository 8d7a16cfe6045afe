//! The shortlist: marked resources, CSV export for Excel, and intended engagements queued locally.

use yew::prelude::*;

use crate::browser;
use crate::state::{kind_label, shortlist_csv, Action, State};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

#[function_component(Shortlist)]
pub fn shortlist(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
    // Bumped when an intent is recorded, so the button shows it at once.
    let recorded = use_state(|| 0u32);
    let on_export = {
        let items = state.shortlist.clone();
        Callback::from(move |_| {
            browser::download(
                "duijie-shortlist.csv",
                &shortlist_csv(&items, lang),
                "text/csv;charset=utf-8",
            )
        })
    };
    let version = state
        .matcher
        .as_ref()
        .map(|matcher| matcher.version().to_string())
        .unwrap_or_default();
    let items = state.shortlist.iter().map(|item| {
        let kind = duijie_core::Kind::parse(&item.kind).map_or(item.kind.clone(), |kind| kind_label(lang, kind).to_string());
        let on_remove = {
            let dispatcher = state.dispatcher();
            let id = item.id.clone();
            Callback::from(move |_| dispatcher.dispatch(Action::ToggleShortlist(id.clone())))
        };
        let queued = browser::engagement_queued(&item.id);
        let on_intent = {
            let id = item.id.clone();
            let need = state.text.clone();
            let version = version.clone();
            let recorded = recorded.clone();
            Callback::from(move |_| {
                browser::queue_engagement(&need, &id, &version);
                recorded.set(*recorded + 1);
            })
        };
        html! {
            <li data-resource-id={item.id.clone()}>
                <span class="kind">{ kind }</span>
                <span class="name">{ item.title.clone() }</span>
                <span class="org">{ item.organization.clone() }</span>
                <button type="button" class="intent" disabled={queued} onclick={on_intent}>
                    { if queued { lang.t("intent_done") } else { lang.t("intent") } }
                </button>
                <button type="button" class="remove" onclick={on_remove}>{ lang.t("remove") }</button>
            </li>
        }
    });
    html! {
        <section class="shortlist" aria-label={lang.t("shortlist")}>
            <h2>{ lang.t("shortlist") }{ format!(" ({})", state.shortlist.len()) }</h2>
            if state.shortlist.is_empty() {
                <p class="hint">{ lang.t("empty_shortlist") }</p>
            } else {
                <ul>{ for items }</ul>
                <button type="button" class="export" onclick={on_export}>{ lang.t("export_csv") }</button>
            }
        </section>
    }
}
