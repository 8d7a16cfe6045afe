//! The app shell: owns the reducer, loads the snapshot, measures input-to-results time, persists the
//! shortlist and talks to an embedding page.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlTextAreaElement, InputEvent};
use yew::prelude::*;

use crate::browser;
use crate::components::fair::FairDay;
use crate::components::filters::Filters;
use crate::components::results::Results;
use crate::components::shortlist::{sync_engagements, Shortlist};
use crate::components::status::Status;
use crate::i18n::Lang;
use crate::matching::{load_snapshot, ServerAsker};
use crate::state::{Action, State};

/// A match slower than this is debounced while the broker keeps typing.
const FAST_MATCH_MS: f64 = 50.0;
/// The debounce delay for slow matches: none, only a yield, so that keystrokes already queued are
/// read first and only the last of them is matched.
const DEBOUNCE_MS: i32 = 0;

/// The typing timeline: the first unanswered input's time, the last input-to-results time, and a
/// pending debounce timer.
#[derive(Default)]
struct Typing {
    pending_since: Option<f64>,
    last_ms: f64,
    timer: Option<i32>,
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        // A fair given by the page (a portal's `data-fair`) wins over the one the broker chose.
        let page_fair = browser::query_param("fair");
        State {
            lang: browser::query_param("lang").map_or(Lang::Zh, |lang| Lang::parse(&lang)),
            shortlist: browser::load_shortlist(),
            online: browser::is_online(),
            engagements: Rc::new(crate::engagements::load()),
            signed_in: crate::engagements::token().is_some(),
            scope: browser::page_scope(),
            fair_from_page: page_fair.is_some(),
            fair: page_fair.or_else(crate::engagements::stored_fair),
            ..State::default()
        }
    });
    let typing = use_mut_ref(Typing::default);
    let embed_origin = use_memo((), |_| browser::embedding_origin());

    // Until the snapshot is indexed, the server answers.
    let server = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| ServerAsker::new(dispatcher))
    };

    {
        let dispatcher = state.dispatcher();
        let embed_origin = embed_origin.clone();
        use_effect_with((), move |_| {
            let loader = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // User Timing: duijie:snapshot (download); duijie:decode and duijie:index follow.
                browser::mark("duijie:load-start");
                match browser::load_snapshot(&browser::snapshot_url()).await {
                    Ok((bytes, from_cache)) => {
                        browser::mark("duijie:snapshot-loaded");
                        browser::measure(
                            "duijie:snapshot",
                            "duijie:load-start",
                            "duijie:snapshot-loaded",
                        );
                        load_snapshot(bytes, from_cache, loader).await;
                    }
                    Err(message) => loader.dispatch(Action::LoadFailed(message)),
                }
            });
            let online = dispatcher.clone();
            browser::on_connectivity(move |is_online| {
                online.dispatch(Action::Online(is_online));
                if is_online {
                    sync_engagements(online.clone());
                }
            });
            // Intents queued before a reload (or while offline) go out now.
            sync_engagements(dispatcher.clone());
            if let Some(origin) = (*embed_origin).clone() {
                browser::report_height(origin.clone());
                let need = dispatcher.clone();
                browser::on_parent_need(origin, move |text| need.dispatch(Action::SetText(text)));
            }
        });
    }

    // A question waits and there is no local catalog yet: ask the server, when online.
    {
        let server = (*server).clone();
        let query = state
            .query()
            .filter(|_| state.matcher.is_none() && state.online);
        use_effect_with((state.asked, state.online), move |_| {
            if let Some(query) = query {
                server.ask(query);
            }
        });
    }

    // The answer to the latest question is in the DOM once this effect runs: close the User
    // Timing measure (an answer to an older question, still on its way, does not).
    {
        let typing = typing.clone();
        let current = state.is_current();
        use_effect_with(state.generation, move |_| {
            let mut typing = typing.borrow_mut();
            if !current {
                return;
            }
            if let Some(since) = typing.pending_since.take() {
                browser::measure_results();
                typing.last_ms = browser::now() - since;
            }
        });
    }

    {
        let embed_origin = embed_origin.clone();
        use_effect_with(state.shortlist.clone(), move |items| {
            browser::save_shortlist(items);
            if let Some(origin) = embed_origin.as_ref() {
                let items = serde_json::to_string(items)
                    .ok()
                    .and_then(|text| js_sys::JSON::parse(&text).ok())
                    .unwrap_or(JsValue::NULL);
                browser::post_to_parent(origin, "duijie:shortlist", &[("items", items)]);
            }
        });
    }

    let on_text = {
        let dispatcher = state.dispatcher();
        let typing = typing.clone();
        Callback::from(move |text: String| {
            let mut timeline = typing.borrow_mut();
            if timeline.pending_since.is_none() {
                browser::mark_input();
                timeline.pending_since = Some(browser::now());
            }
            if let Some(timer) = timeline.timer.take() {
                browser::cancel_timeout(timer);
            }
            if timeline.last_ms < FAST_MATCH_MS {
                drop(timeline);
                dispatcher.dispatch(Action::SetText(text));
            } else {
                let dispatcher = dispatcher.clone();
                timeline.timer = browser::set_timeout(DEBOUNCE_MS, move || {
                    dispatcher.dispatch(Action::SetText(text));
                });
            }
        })
    };
    let oninput = {
        let on_text = on_text.clone();
        Callback::from(move |event: InputEvent| {
            // Pinyin being composed is not the need yet; compositionend brings the characters.
            if event.is_composing() {
                return;
            }
            on_text.emit(event.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    // yew has no `oncompositionend` attribute: listen on the element.
    let need_ref = use_node_ref();
    {
        let need_ref = need_ref.clone();
        use_effect_with((), move |_| {
            if let Some(element) = need_ref.cast::<HtmlTextAreaElement>() {
                let target = element.clone();
                let listener = Closure::<dyn Fn()>::new(move || on_text.emit(target.value()));
                let _ = element.add_event_listener_with_callback(
                    "compositionend",
                    listener.as_ref().unchecked_ref(),
                );
                listener.forget();
            }
        });
    }
    let on_lang = {
        let dispatcher = state.dispatcher();
        let lang = state.lang;
        Callback::from(move |_| {
            dispatcher.dispatch(Action::SetLang(match lang {
                Lang::Zh => Lang::En,
                Lang::En => Lang::Zh,
            }))
        })
    };
    let lang = state.lang;
    let embedded = embed_origin.is_some();

    html! {
        <div class={classes!("duijie", embedded.then_some("embedded"))} lang={lang.code()}>
            <header class="top">
                <h1>{ lang.t("title") }</h1>
                <button type="button" class="lang" onclick={on_lang}>{ lang.t("language") }</button>
            </header>
            <div class="need">
                <label for="duijie-need">{ lang.t("need_label") }</label>
                <textarea id="duijie-need" name="need" rows="3" autofocus=true
                    placeholder={lang.t("need_placeholder")}
                    value={state.text.clone()} {oninput} ref={need_ref} />
            </div>
            // Beside the results on a wide screen (and sticky), above them on a narrower one: the
            // shortlist and the sign-in are never below ten result cards.
            <div class="body">
                <Filters picks={state.picks.clone()} scope={state.scope.clone()} lang={lang} dispatcher={state.dispatcher()} />
                <Shortlist state={state.clone()} />
                <Results state={state.clone()} />
            </div>
            // The fair at the tables: its own full-width section, below the matching.
            <FairDay state={state.clone()} />
            <Status state={state.clone()} />
        </div>
    }
}
