//! The shortlist: marked resources, CSV export for Excel, intended engagements queued at the fair
//! and sent with a broker token when the network allows, each with its status.

use std::cell::Cell;

use duijie_core::engagement::Status;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser;
use crate::engagements::{self, Entry, SignInError};
use crate::i18n::Lang;
use crate::state::{kind_label, shortlist_csv, Action, State};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

thread_local! {
    /// A retry is already scheduled: one timer at a time.
    static RETRY_SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Sends the queued intents if a broker is signed in, then shows what the server said. Retries
/// every few seconds while some are waiting for the network.
pub fn sync_engagements(dispatcher: UseReducerDispatcher<State>) {
    let Some(token) = engagements::token() else {
        return;
    };
    if !engagements::load()
        .iter()
        .any(|entry| entry.pending() || entry.open())
    {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let report = engagements::send_pending(&token).await;
        if report.sign_in {
            // The token was revoked or is not a token: sign in again; the queue waits.
            engagements::set_token(None);
        }
        dispatcher.dispatch(engagements::stored());
        if report.retry && !RETRY_SCHEDULED.with(|scheduled| scheduled.replace(true)) {
            browser::set_timeout(engagements::RETRY_MS, move || {
                RETRY_SCHEDULED.with(|scheduled| scheduled.set(false));
                sync_engagements(dispatcher);
            });
        }
    });
}

/// The status word of a queued intent, and a machine-readable state for styling and tests.
fn entry_status(lang: Lang, entry: &Entry, signed_in: bool) -> (&'static str, String) {
    if let Some(error) = &entry.error {
        return ("failed", format!("{}: {error}", lang.t("intent_failed")));
    }
    match &entry.status {
        Some(status) => (
            "sent",
            format!("{} · {}", lang.t("intent_sent"), status_label(lang, status)),
        ),
        None if signed_in => ("queued", lang.t("intent_queued").to_string()),
        None => ("queued", lang.t("intent_queued_sign_in").to_string()),
    }
}

/// The label of a status the server named; a name this widget does not know is shown as it is.
fn status_label(lang: Lang, status: &str) -> String {
    match Status::parse(status) {
        Some(status) => lang.pick(status.label_zh(), status.label_en()).to_string(),
        None => status.to_string(),
    }
}

#[function_component(Shortlist)]
pub fn shortlist(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let token_input = use_node_ref();
    let sign_in_message = use_state(|| None::<&'static str>);
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
    let signed_in = state.signed_in;
    let need = state.text.trim().to_string();
    let items = state.shortlist.iter().map(|item| {
        let kind = duijie_core::Kind::parse(&item.kind).map_or(item.kind.clone(), |kind| kind_label(lang, kind).to_string());
        let on_remove = {
            let dispatcher = state.dispatcher();
            let id = item.id.clone();
            Callback::from(move |_| dispatcher.dispatch(Action::ToggleShortlist(id.clone())))
        };
        let entry = engagements::entry_for(&state.engagements, &item.id);
        let engagement = match &entry {
            Some(entry) => {
                let (state_name, label) = entry_status(lang, entry, signed_in);
                html! { <span class="engagement" data-engagement={state_name} role="status">{ label }</span> }
            }
            None => {
                let on_intent = {
                    let id = item.id.clone();
                    let need = need.clone();
                    let dispatcher = state.dispatcher();
                    Callback::from(move |_| {
                        engagements::enqueue(&need, &id);
                        dispatcher.dispatch(engagements::stored());
                        sync_engagements(dispatcher.clone());
                    })
                };
                let title = if need.is_empty() { lang.t("intent_needs_text") } else { "" };
                html! {
                    <button type="button" class="intent" disabled={need.is_empty()} {title} onclick={on_intent}>
                        { lang.t("intent") }
                    </button>
                }
            }
        };
        html! {
            <li data-resource-id={item.id.clone()}>
                <span class="kind">{ kind }</span>
                <span class="name">{ item.title.clone() }</span>
                <span class="org">{ item.organization.clone() }</span>
                { engagement }
                <button type="button" class="remove" onclick={on_remove}>{ lang.t("remove") }</button>
            </li>
        }
    });
    let broker = if signed_in {
        let on_sign_out = {
            let dispatcher = state.dispatcher();
            Callback::from(move |_| {
                engagements::set_token(None);
                dispatcher.dispatch(engagements::stored());
            })
        };
        html! {
            <p class="broker" data-signed-in="true">
                { lang.t("signed_in") }{ " " }
                <button type="button" class="sign-out" onclick={on_sign_out}>{ lang.t("sign_out") }</button>
            </p>
        }
    } else {
        let on_submit = {
            let dispatcher = state.dispatcher();
            let token_input = token_input.clone();
            let sign_in_message = sign_in_message.clone();
            Callback::from(move |event: SubmitEvent| {
                event.prevent_default();
                let Some(input) = token_input.cast::<HtmlInputElement>() else {
                    return;
                };
                let token = input.value().trim().to_string();
                if token.is_empty() {
                    return;
                }
                let dispatcher = dispatcher.clone();
                let sign_in_message = sign_in_message.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match engagements::sign_in(&token).await {
                        Ok(_) => {
                            engagements::set_token(Some(&token));
                            input.set_value("");
                            sign_in_message.set(None);
                            dispatcher.dispatch(engagements::stored());
                            sync_engagements(dispatcher);
                        }
                        Err(SignInError::Rejected) => sign_in_message.set(Some("token_rejected")),
                        Err(SignInError::Network) => sign_in_message.set(Some("token_unreachable")),
                    }
                });
            })
        };
        html! {
            <form class="broker" onsubmit={on_submit}>
                <label>
                    <span>{ lang.t("broker_token") }</span>
                    <input type="password" name="broker-token" autocomplete="off" ref={token_input} />
                </label>
                <button type="submit" class="sign-in">{ lang.t("sign_in") }</button>
                if let Some(message) = *sign_in_message {
                    <p class="hint error" role="alert">{ lang.t(message) }</p>
                }
            </form>
        }
    };
    html! {
        <section class="shortlist" aria-label={lang.t("shortlist")}>
            <h2>{ lang.t("shortlist") }{ format!(" ({})", state.shortlist.len()) }</h2>
            { broker }
            if state.shortlist.is_empty() {
                <p class="hint">{ lang.t("empty_shortlist") }</p>
            } else {
                <ul>{ for items }</ul>
                <button type="button" class="export" onclick={on_export}>{ lang.t("export_csv") }</button>
            }
        </section>
    }
}
