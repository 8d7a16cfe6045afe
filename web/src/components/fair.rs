//! The fair at the tables: a signed-in broker lists the fairs and opens one; the day's schedule
//! (each slot's tables and who meets whom), a check-in button per participant and the outcome
//! buttons of each meeting (held, no-show, follow-up wanted). The day is read from the server when
//! online and from localStorage otherwise; what the broker records is queued in the engagements'
//! exactly-once queue and shows at once, then as sent.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::shortlist::sync_engagements;
use crate::engagements;
use crate::fair::{self, FairItem, Mark};
use crate::i18n::Lang;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

/// The label of an outcome.
fn outcome_label(lang: Lang, outcome: &str) -> &'static str {
    match outcome {
        "held" => lang.t("outcome_held"),
        "no_show" => lang.t("outcome_no_show"),
        "follow_up" => lang.t("outcome_follow_up"),
        "checked_in" => lang.t("checked_in"),
        _ => "",
    }
}

/// "已签到 · 待发送": the value and where it stands.
fn mark_label(lang: Lang, mark: &Mark) -> String {
    let state = match mark {
        Mark::Queued(_) => lang.t("fair_queued"),
        Mark::Refused(_) => lang.t("intent_failed"),
        Mark::Server(_) | Mark::Sent(_) => lang.t("intent_sent"),
    };
    format!("{} · {state}", outcome_label(lang, mark.value()))
}

#[function_component(FairDay)]
pub fn fair_day(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let opened = use_state(fair::opened);
    let fairs = use_state(fair::cached_list);
    let day = use_state(|| {
        fair::opened()
            .and_then(|id| fair::cached_day(&id))
            .map(Rc::new)
    });
    // Whether the day shown came from the server in this page's life (else from the cache).
    let fresh = use_state(|| false);

    // Read the opened fair's day from the server when it is opened, and again when the network
    // returns (after the queue is sent, so the server's day includes it).
    {
        let (day, fresh) = (day.clone(), fresh.clone());
        let queue_len = state
            .engagements
            .iter()
            .filter(|entry| entry.pending())
            .count();
        use_effect_with(
            ((*opened).clone(), state.online, state.signed_in, queue_len),
            move |(opened, online, signed_in, _)| {
                if let (Some(id), true, true, Some(token)) =
                    (opened.clone(), *online, *signed_in, engagements::token())
                {
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Some(read) = fair::fetch_day(&token, &id).await {
                            if fair::opened().as_deref() == Some(read.fair.as_str()) {
                                day.set(Some(Rc::new(read)));
                                fresh.set(true);
                            }
                        }
                    });
                }
            },
        );
    }

    let heading = html! { <h2>{ lang.t("fair_day") }</h2> };
    if !state.signed_in {
        return html! {
            <section class="fair-day" aria-label={lang.t("fair_day")}>
                { heading }
                <p class="hint">{ lang.t("fair_sign_in") }</p>
            </section>
        };
    }
    let Some(id) = (*opened).clone() else {
        let on_list = {
            let fairs = fairs.clone();
            Callback::from(move |_| {
                let fairs = fairs.clone();
                if let Some(token) = engagements::token() {
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Some(list) = fair::fetch_list(&token).await {
                            fairs.set(list);
                        }
                    });
                }
            })
        };
        let items = fairs.iter().map(|item: &FairItem| {
            let on_open = {
                let (opened, day, fresh) = (opened.clone(), day.clone(), fresh.clone());
                let id = item.id.clone();
                let dispatcher = state.dispatcher();
                let fair_from_page = state.fair_from_page;
                Callback::from(move |_| {
                    fair::set_opened(Some(&id));
                    day.set(fair::cached_day(&id).map(Rc::new));
                    fresh.set(false);
                    opened.set(Some(id.clone()));
                    // Intents recorded from now on name this fair (unless the page names one).
                    if !fair_from_page {
                        engagements::set_fair(Some(&id));
                        dispatcher.dispatch(Action::SetFair(Some(id.clone())));
                    }
                })
            };
            html! {
                <li>
                    <button type="button" class="open-fair" data-fair-id={item.id.clone()} onclick={on_open}>
                        { format!("{} {}", item.name, item.days.first().cloned().unwrap_or_default()) }
                    </button>
                </li>
            }
        });
        return html! {
            <section class="fair-day" aria-label={lang.t("fair_day")}>
                { heading }
                <button type="button" class="list-fairs" onclick={on_list}>{ lang.t("fair_list") }</button>
                if fairs.is_empty() {
                    <p class="hint">{ lang.t("fair_none") }</p>
                } else {
                    <ul class="fairs">{ for items }</ul>
                }
            </section>
        };
    };
    let on_close = {
        let (opened, day) = (opened.clone(), day.clone());
        Callback::from(move |_| {
            fair::set_opened(None);
            day.set(None);
            opened.set(None);
        })
    };
    let close = html! {
        <button type="button" class="close-fair" onclick={on_close}>{ lang.t("fair_back") }</button>
    };
    let Some(shown) = (*day).clone() else {
        return html! {
            <section class="fair-day" aria-label={lang.t("fair_day")} data-fair-id={id}>
                { heading }
                { close }
                <p class="hint">{ lang.t(if state.online { "fair_loading" } else { "fair_offline_none" }) }</p>
            </section>
        };
    };
    let queue = &state.engagements;
    let record = |action: Rc<dyn Fn()>| {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| {
            action();
            dispatcher.dispatch(engagements::stored());
            sync_engagements(dispatcher.clone());
        })
    };
    let checkins = fair::checkins_path(&shown.fair);
    let people = shown.participants.iter().map(|person| {
        let mark = fair::check_in_mark(queue, &checkins, person);
        let done = mark.as_ref().is_some_and(|mark| mark.state() != "failed");
        let status = match &mark {
            Some(mark) => html! {
                <span class="checked" data-state={mark.state()} role="status">{ mark_label(lang, mark) }</span>
            },
            None => html! {},
        };
        let on_check_in = {
            let (fair_id, participant) = (shown.fair.clone(), person.id.clone());
            record(Rc::new(move || fair::check_in(&fair_id, &participant)))
        };
        html! {
            <li data-participant={person.id.clone()}>
                <span class="name">{ person.name.clone() }</span>
                // A resource's name is its title: said once.
                if person.title != person.name {
                    <span class="org">{ person.title.clone() }</span>
                }
                { status }
                if !done {
                    <button type="button" class="check-in" onclick={on_check_in}>{ lang.t("check_in") }</button>
                }
            </li>
        }
    });
    let slots = shown.slots.iter().filter_map(|slot| {
        let meetings: Vec<_> = shown
            .meetings
            .iter()
            .filter(|meeting| meeting.slot == slot.index)
            .collect();
        if meetings.is_empty() {
            return None;
        }
        let rows = meetings.into_iter().map(|meeting| {
            let target = fair::outcome_path(&shown.fair, &meeting.request);
            let mark = fair::outcome_mark(queue, &target, meeting);
            let current = mark
                .as_ref()
                .filter(|mark| mark.state() != "failed")
                .map(|mark| mark.value().to_string());
            let buttons = ["held", "no_show", "follow_up"].into_iter().map(|outcome| {
                let on_click = {
                    let (fair_id, request) = (shown.fair.clone(), meeting.request.clone());
                    record(Rc::new(move || fair::record_outcome(&fair_id, &request, outcome)))
                };
                let pressed = current.as_deref() == Some(outcome);
                html! {
                    <button type="button" class={classes!("outcome", format!("outcome-{outcome}"))}
                        aria-pressed={pressed.to_string()} disabled={pressed} onclick={on_click}>
                        { outcome_label(lang, outcome) }
                    </button>
                }
            });
            let status = match &mark {
                Some(mark) => html! {
                    <span class="recorded" data-state={mark.state()} data-outcome={mark.value().to_string()} role="status">
                        { mark_label(lang, mark) }
                    </span>
                },
                None => html! {},
            };
            html! {
                <li class="meeting" data-request={meeting.request.clone()}>
                    <span class="table">{ format!("{}{}", lang.t("table"), meeting.table + 1) }</span>
                    <span class="who">{ format!("{} ↔ {}", meeting.need_name, meeting.resource_name) }</span>
                    <span class="org">{ meeting.need_title.clone() }</span>
                    { status }
                    <span class="outcomes">{ for buttons }</span>
                </li>
            }
        });
        Some(html! {
            <li class="slot" data-slot={slot.index.to_string()}>
                <h4>{ format!("{} {}–{}", slot.day, slot.start, slot.end) }</h4>
                <ul>{ for rows }</ul>
            </li>
        })
    });
    html! {
        <section class="fair-day" aria-label={lang.t("fair_day")} data-fair-id={id}
            data-source={if *fresh { "server" } else { "cache" }}>
            { heading }
            { close }
            <p class="fair-name">{ format!("{} · {}", shown.name, shown.venue) }</p>
            if !*fresh {
                <p class="hint">{ lang.t("fair_cached") }</p>
            }
            <details class="checkins" open=true>
                <summary>{ lang.t("checkins") }</summary>
                <ul>{ for people }</ul>
            </details>
            <h3>{ lang.t("fair_schedule") }</h3>
            if shown.meetings.is_empty() {
                <p class="hint">{ lang.t("fair_no_meetings") }</p>
            } else {
                <ul class="slots">{ for slots }</ul>
            }
        </section>
    }
}
