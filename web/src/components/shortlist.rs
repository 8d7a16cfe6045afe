//! The shortlist: marked resources, CSV export for Excel, intended engagements queued at the fair
//! and sent with a broker token when the network allows, each with its status. An intent carries
//! the fair (chosen at sign-in, or given by the page), a note, and the enterprise and its region.
//! A signed-in broker can save the typed need as a stored need for an enterprise, queued the same
//! way; the intents recorded for that need then name it. Once the server has stored the need, the
//! broker can subscribe it to precise push (a feed, e-mail digest or webhook): that needs the
//! network and is not queued.

use std::cell::Cell;

use duijie_core::engagement::Status;
use duijie_core::taxonomy::taxonomies;
use duijie_core::Band;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::browser;
use crate::engagements::{self, Details, Entry, SignInError};
use crate::i18n::Lang;
use crate::state::{kind_label, shortlist_csv, Action, State};
use crate::subscriptions::{self, Created, Refusal};

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

/// The state word of a saved need, and its label.
fn saved_need_status(lang: Lang, entry: &Entry) -> (&'static str, String) {
    match (&entry.error, &entry.id) {
        (Some(error), _) => ("failed", format!("{}: {error}", lang.t("intent_failed"))),
        (None, Some(id)) => ("sent", format!("{} · {id}", lang.t("need_saved"))),
        (None, None) => ("queued", lang.t("need_queued").to_string()),
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
    let fair_input = use_node_ref();
    let sign_in_message = use_state(|| None::<&'static str>);
    // The resource whose intent form is open.
    let intent_form = use_state(|| None::<String>);
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
        let form_open = intent_form.as_deref() == Some(item.id.as_str());
        let engagement = match &entry {
            Some(entry) => {
                let (state_name, label) = entry_status(lang, entry, signed_in);
                html! { <span class="engagement" data-engagement={state_name} role="status">{ label }</span> }
            }
            None if form_open && !need.is_empty() => {
                let on_close = {
                    let intent_form = intent_form.clone();
                    Callback::from(move |_| intent_form.set(None))
                };
                html! {
                    <IntentForm resource_id={item.id.clone()} need={need.clone()} fair={state.fair.clone()}
                        {lang} dispatcher={state.dispatcher()} {on_close} />
                }
            }
            None => {
                let on_intent = {
                    let id = item.id.clone();
                    let intent_form = intent_form.clone();
                    Callback::from(move |_| intent_form.set(Some(id.clone())))
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
    let saved = engagements::saved_entry_for(&state.engagements, &need);
    // The need as the server stored it (answered, not refused): it can be subscribed.
    let stored_need_id = engagements::saved_need_for(&state.engagements, &need)
        .filter(|entry| entry.id.is_some())
        .as_ref()
        .and_then(Entry::saved)
        .map(|(id, _)| id)
        .filter(|_| !need.is_empty());
    let broker = if signed_in {
        let on_sign_out = {
            let dispatcher = state.dispatcher();
            Callback::from(move |_| {
                engagements::set_token(None);
                dispatcher.dispatch(engagements::stored());
            })
        };
        html! {
            <div class="broker" data-signed-in="true">
                <p>
                    { lang.t("signed_in") }{ " " }
                    <button type="button" class="sign-out" onclick={on_sign_out}>{ lang.t("sign_out") }</button>
                </p>
                <p class="fair" data-fair={state.fair.clone().unwrap_or_default()}>
                    { fair_line(lang, state.fair.as_deref()) }
                </p>
                if !need.is_empty() {
                    <SaveNeed need={need.clone()} {lang} dispatcher={state.dispatcher()}
                        saved={saved.clone()} />
                }
                if let Some(need_id) = stored_need_id {
                    <Subscribe key={need_id.clone()} need_id={need_id.clone()} {lang} />
                }
            </div>
        }
    } else {
        let on_submit = {
            let dispatcher = state.dispatcher();
            let token_input = token_input.clone();
            let fair_input = fair_input.clone();
            let sign_in_message = sign_in_message.clone();
            let fair_from_page = state.fair_from_page;
            Callback::from(move |event: SubmitEvent| {
                event.prevent_default();
                let Some(input) = token_input.cast::<HtmlInputElement>() else {
                    return;
                };
                let token = input.value().trim().to_string();
                if token.is_empty() {
                    return;
                }
                // The fair is chosen once, here, unless the page gave it.
                let fair = fair_input
                    .cast::<HtmlInputElement>()
                    .map(|fair| fair.value().trim().to_string())
                    .filter(|_| !fair_from_page);
                let dispatcher = dispatcher.clone();
                let sign_in_message = sign_in_message.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match engagements::sign_in(&token).await {
                        Ok(_) => {
                            engagements::set_token(Some(&token));
                            input.set_value("");
                            sign_in_message.set(None);
                            if let Some(fair) = fair {
                                engagements::set_fair(Some(&fair));
                                dispatcher.dispatch(Action::SetFair(Some(fair)));
                            }
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
                if state.fair_from_page {
                    <p class="fair" data-fair={state.fair.clone().unwrap_or_default()}>
                        { fair_line(lang, state.fair.as_deref()) }
                    </p>
                } else {
                    <label>
                        <span>{ lang.t("fair") }</span>
                        <input type="text" name="fair" autocomplete="on" maxlength="200"
                            placeholder={lang.t("fair_placeholder")}
                            value={state.fair.clone().unwrap_or_default()} ref={fair_input} />
                    </label>
                }
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

/// "对接会：2025 大湾区对接会", or that none is set.
fn fair_line(lang: Lang, fair: Option<&str>) -> String {
    match fair {
        Some(fair) => format!("{}{}", lang.t("fair_is"), fair),
        None => lang.t("no_fair").to_string(),
    }
}

#[derive(Properties, PartialEq)]
struct IntentFormProps {
    resource_id: String,
    need: String,
    fair: Option<String>,
    lang: Lang,
    dispatcher: UseReducerDispatcher<State>,
    on_close: Callback<()>,
}

/// What the broker adds to an intent before it is queued: the enterprise (prefilled with the last
/// intent's), where it is (a province or city), and a note. The fair comes from the sign-in or the
/// page.
#[function_component(IntentForm)]
fn intent_form(props: &IntentFormProps) -> Html {
    let lang = props.lang;
    let last = use_state(engagements::last_enterprise);
    let enterprise = use_node_ref();
    let region = use_node_ref();
    let note = use_node_ref();
    let on_submit = {
        let (enterprise, region, note) = (enterprise.clone(), region.clone(), note.clone());
        let (id, need, fair) = (
            props.resource_id.clone(),
            props.need.clone(),
            props.fair.clone(),
        );
        let dispatcher = props.dispatcher.clone();
        let on_close = props.on_close.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let text =
                |value: String| Some(value.trim().to_string()).filter(|value| !value.is_empty());
            let details = Details {
                fair: fair.clone(),
                note: note
                    .cast::<HtmlTextAreaElement>()
                    .and_then(|note| text(note.value())),
                enterprise: enterprise
                    .cast::<HtmlInputElement>()
                    .and_then(|enterprise| text(enterprise.value())),
                enterprise_region: region
                    .cast::<HtmlSelectElement>()
                    .and_then(|region| text(region.value())),
                need_id: engagements::saved_need_for(&engagements::load(), &need)
                    .and_then(|entry| entry.saved())
                    .map(|(id, _)| id),
            };
            engagements::enqueue(&need, &id, &details);
            dispatcher.dispatch(engagements::stored());
            sync_engagements(dispatcher.clone());
            on_close.emit(());
        })
    };
    let on_cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let chosen = last.enterprise_region.clone().unwrap_or_default();
    let regions = &taxonomies().regions;
    let provinces = regions.nodes().iter().filter(|node| node.parent.is_none());
    let groups = provinces.map(|province| {
        let cities = regions.children(&province.code).into_iter().map(|city| {
            html! { <option value={city.code.clone()} selected={chosen == city.code}>{ &city.name }</option> }
        });
        html! {
            <optgroup label={province.name.clone()}>
                <option value={province.code.clone()} selected={chosen == province.code}>
                    { format!("{}{}", province.name, lang.t("whole_province")) }
                </option>
                { for cities }
            </optgroup>
        }
    });
    html! {
        <form class="intent-form" onsubmit={on_submit}>
            <label>
                <span>{ lang.t("enterprise") }</span>
                <input type="text" name="enterprise" maxlength="200" autocomplete="organization"
                    value={last.enterprise.clone().unwrap_or_default()} ref={enterprise} />
            </label>
            <label>
                <span>{ lang.t("enterprise_region") }</span>
                <select name="enterprise-region" ref={region}>
                    <option value="" selected={chosen.is_empty()}>{ lang.t("not_given") }</option>
                    { for groups }
                </select>
            </label>
            <label>
                <span>{ lang.t("note") }</span>
                <textarea name="note" rows="2" maxlength="2000" ref={note} />
            </label>
            <p class="hint fair">{ fair_line(lang, props.fair.as_deref()) }</p>
            <button type="submit" class="intent-submit">{ lang.t("intent_record") }</button>
            <button type="button" class="intent-cancel" onclick={on_cancel}>{ lang.t("cancel") }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct SaveNeedProps {
    need: String,
    lang: Lang,
    dispatcher: UseReducerDispatcher<State>,
    /// The need as saved already, if the broker saved this text (perhaps refused).
    saved: Option<Entry>,
}

/// "Save as need": the typed need queued as a stored need of the enterprise the broker names
/// (prefilled with the last intent's), or, once queued, what the server said of it; a refused
/// need can be saved again (for another enterprise, say).
#[function_component(SaveNeed)]
fn save_need(props: &SaveNeedProps) -> Html {
    let lang = props.lang;
    let organization = use_node_ref();
    let status = props.saved.as_ref().map(|entry| {
        let (state_name, label) = saved_need_status(lang, entry);
        html! { <p class="saved-need" data-saved-need={state_name} role="status">{ label }</p> }
    });
    if props
        .saved
        .as_ref()
        .is_some_and(|entry| entry.error.is_none())
    {
        return status.unwrap_or_default();
    }
    let on_submit = {
        let organization = organization.clone();
        let need = props.need.clone();
        let dispatcher = props.dispatcher.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(name) = organization
                .cast::<HtmlInputElement>()
                .map(|input| input.value().trim().to_string())
                .filter(|name| !name.is_empty())
            else {
                return;
            };
            engagements::enqueue_need(&need, &name);
            dispatcher.dispatch(engagements::stored());
            sync_engagements(dispatcher.clone());
        })
    };
    html! {
        <>
        { status.unwrap_or_default() }
        <form class="save-need" onsubmit={on_submit}>
            <label>
                <span>{ lang.t("need_organization") }</span>
                <input type="text" name="need-organization" maxlength="200" required=true
                    autocomplete="organization" ref={organization}
                    value={engagements::last_enterprise().enterprise.unwrap_or_default()} />
            </label>
            <button type="submit" class="save-need-submit">{ lang.t("save_need") }</button>
        </form>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SubscribeProps {
    /// The stored need's id.
    need_id: String,
    lang: Lang,
}

/// "订阅推送": subscribes the stored need to precise push with the broker's token, then shows the
/// feed URL or the webhook secret (the server gives it this once). A refused field is told next to
/// it; offline, nothing is sent or queued and the broker is told so.
#[function_component(Subscribe)]
fn subscribe(props: &SubscribeProps) -> Html {
    let lang = props.lang;
    let channel = use_state(|| "feed".to_string());
    let sending = use_state(|| false);
    let created = use_state(|| None::<Created>);
    let refusal = use_state(|| None::<Refusal>);
    let (address, frequency, min_fit, top) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let on_channel = {
        let channel = channel.clone();
        let refusal = refusal.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                channel.set(select.value());
                refusal.set(None);
            }
        })
    };
    let on_submit = {
        let (address, frequency, min_fit, top) = (
            address.clone(),
            frequency.clone(),
            min_fit.clone(),
            top.clone(),
        );
        let (channel, sending, created, refusal) = (
            channel.clone(),
            sending.clone(),
            created.clone(),
            refusal.clone(),
        );
        let need_id = props.need_id.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(token) = engagements::token() else {
                refusal.set(Some(Refusal::SignIn));
                return;
            };
            let input = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value().trim().to_string())
                    .unwrap_or_default()
            };
            let wanted = subscriptions::Request {
                need_id: need_id.clone(),
                channel: (*channel).clone(),
                address: input(&address),
                frequency: frequency
                    .cast::<HtmlSelectElement>()
                    .map_or_else(|| "immediate".to_string(), |select| select.value()),
                // An empty or unreadable figure is sent as it is (NaN becomes null) for the
                // server to refuse next to the field.
                min_fit: input(&min_fit)
                    .parse::<f64>()
                    .map_or(f64::NAN, |percent| percent / 100.0),
                top: input(&top).parse().unwrap_or(0),
            };
            sending.set(true);
            refusal.set(None);
            let (sending, created, refusal) = (sending.clone(), created.clone(), refusal.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match subscriptions::subscribe(&token, &wanted).await {
                    Ok(made) => created.set(Some(made)),
                    Err(why) => refusal.set(Some(why)),
                }
                sending.set(false);
            });
        })
    };
    let field_error = |name: &str| -> Html {
        let Some(Refusal::Invalid { fields, .. }) = &*refusal else {
            return Html::default();
        };
        let messages = fields
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, message)| message.clone())
            .collect::<Vec<_>>();
        if messages.is_empty() {
            return Html::default();
        }
        html! { <span class="field-error" data-field={name.to_string()} role="alert">{ messages.join("; ") }</span> }
    };
    let status = match &*refusal {
        None => Html::default(),
        Some(Refusal::Offline) => html! {
            <p class="subscribe-status error" data-subscribe="offline" role="alert">{ lang.t("subscribe_offline") }</p>
        },
        Some(Refusal::SignIn) => html! {
            <p class="subscribe-status error" data-subscribe="sign-in" role="alert">{ lang.t("subscribe_sign_in") }</p>
        },
        Some(Refusal::Invalid { message, fields }) => {
            // Fields this form has no place for are told here.
            let elsewhere = fields
                .iter()
                .filter(|(field, _)| {
                    !matches!(
                        field.as_str(),
                        "email" | "url" | "frequency" | "min_fit" | "top" | "channel"
                    )
                })
                .map(|(field, message)| format!("; {field}: {message}"))
                .collect::<String>();
            html! {
                <p class="subscribe-status error" data-subscribe="invalid" role="alert">
                    { format!("{}: {message}{elsewhere}", lang.t("subscribe_refused")) }
                </p>
            }
        }
        Some(Refusal::Failed(message)) => html! {
            <p class="subscribe-status error" data-subscribe="failed" role="alert">
                { format!("{}: {message}", lang.t("subscribe_refused")) }
            </p>
        },
    };
    let made = created.as_ref().map(|made| {
        let detail = match made.channel.as_str() {
            "webhook" => html! {
                <>{ lang.t("subscribed_secret") }<code class="secret">{ made.secret.clone() }</code></>
            },
            "email" => html! {
                <>{ lang.t("subscribed_email") }{ made.email.clone().unwrap_or_default() }</>
            },
            _ => html! {
                <>{ lang.t("subscribed_feed") }<a class="feed-url" href={made.feed_url.clone()}>{ made.feed_url.clone() }</a></>
            },
        };
        html! {
            <p class="subscribe-status" data-subscribe="created" data-subscription-id={made.id.clone()} role="status">
                { lang.t("subscribed") }{ " · " }{ detail }
            </p>
        }
    });
    let address_field = match channel.as_str() {
        "email" => Some((
            "email",
            "email",
            lang.t("email_address"),
            "name@example.com",
        )),
        "webhook" => Some(("url", "url", lang.t("webhook_url"), "http://")),
        _ => None,
    };
    let option = |value: &'static str, key: &'static str, chosen: &str| {
        html! { <option {value} selected={chosen == value}>{ lang.t(key) }</option> }
    };
    let default_fit = format!("{:.0}", Band::Strong.min_fit() * 100.0);
    html! {
        <form class="subscribe" onsubmit={on_submit} aria-label={lang.t("subscribe")}>
            <h3>{ lang.t("subscribe") }</h3>
            <p class="hint">{ lang.t("subscribe_hint") }</p>
            { made.unwrap_or_default() }
            <label>
                <span>{ lang.t("channel") }</span>
                <select name="subscribe-channel" onchange={on_channel}>
                    { option("feed", "channel_feed", &channel) }
                    { option("email", "channel_email", &channel) }
                    { option("webhook", "channel_webhook", &channel) }
                </select>
                { field_error("channel") }
            </label>
            if let Some((field, kind, label, placeholder)) = address_field {
                <label key={field}>
                    <span>{ label }</span>
                    <input type={kind} name={format!("subscribe-{field}")} required=true maxlength="2048"
                        {placeholder} autocomplete="off" ref={address.clone()} />
                    { field_error(field) }
                </label>
            }
            <label>
                <span>{ lang.t("frequency") }</span>
                <select name="subscribe-frequency" ref={frequency}>
                    { option("immediate", "frequency_immediate", "immediate") }
                    { option("daily", "frequency_daily", "") }
                    { option("weekly", "frequency_weekly", "") }
                </select>
                { field_error("frequency") }
            </label>
            <label>
                <span>{ lang.t("min_fit") }</span>
                <input type="number" name="subscribe-min-fit" min="0" max="100" step="1"
                    value={default_fit} ref={min_fit} />
                { field_error("min_fit") }
            </label>
            <label>
                <span>{ lang.t("top") }</span>
                <input type="number" name="subscribe-top" min="1" max="100" step="1" value="10" ref={top} />
                { field_error("top") }
            </label>
            <button type="submit" class="subscribe-submit" disabled={*sending}>{ lang.t("subscribe_submit") }</button>
            { status }
        </form>
    }
}
