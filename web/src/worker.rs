//! The matching worker and the page's handle on it.
//!
//! Decoding and indexing a snapshot takes seconds at 20,000 resources and more at 100,000; on the
//! page's thread that would freeze typing and painting. So the page starts `worker.js`, a module
//! worker that loads this same wasm module (no second download) and calls `worker_message` for each
//! message: `{type: "load", bytes}` (the snapshot's `ArrayBuffer`, transferred, not copied) and
//! `{type: "query", query}` (an `engine::Query` as JSON). It replies `{type: "loaded", version,
//! len, decode_ms, index_ms}`, `{type: "failed", message}` or `{type: "answer", answer, match_ms}`.
//!
//! Until the worker has a catalog, the page asks `POST /api/v1/match` when it is online, so the
//! broker sees results within a second of opening the page, on any Wi-Fi. The page keeps at most
//! one question in flight per matcher and sends only the latest of those asked meanwhile.
//! A browser without module workers indexes on the page's thread, as before.

use std::cell::RefCell;
use std::rc::Rc;

use duijie_core::{Filters, Kind, Matcher};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Request, RequestInit, Response, Worker, WorkerOptions, WorkerType};
use yew::UseReducerDispatcher;

use crate::browser;
use crate::catalog::{decode_snapshot, matcher_from_snapshot, warm_up};
use crate::engine::{self, Answer, Query};
use crate::state::{Action, Catalog, Source, State};

// ----- In the worker -------------------------------------------------------------------------

thread_local! {
    static MATCHER: RefCell<Option<Matcher>> = const { RefCell::new(None) };
}

/// Handles one message from the page (called by `worker.js`).
#[wasm_bindgen]
pub fn worker_message(data: JsValue) {
    let reply = match field_string(&data, "type").as_deref() {
        Some("load") => load(&data),
        Some("query") => query(&data),
        _ => return,
    };
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message(&reply);
}

fn load(data: &JsValue) -> JsValue {
    let bytes = Reflect::get(data, &"bytes".into())
        .ok()
        .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
        .unwrap_or_default();
    let start = now();
    let decoded = decode_snapshot(&bytes);
    drop(bytes);
    let decoded_at = now();
    match decoded {
        Ok(snapshot) => {
            let matcher = matcher_from_snapshot(snapshot);
            warm_up(&matcher);
            let indexed_at = now();
            let reply = object(&[
                ("type", "loaded".into()),
                ("version", matcher.version().into()),
                ("len", (matcher.len() as f64).into()),
                ("decode_ms", (decoded_at - start).into()),
                ("index_ms", (indexed_at - decoded_at).into()),
            ]);
            MATCHER.with(|slot| *slot.borrow_mut() = Some(matcher));
            reply
        }
        Err(message) => object(&[("type", "failed".into()), ("message", message.into())]),
    }
}

fn query(data: &JsValue) -> JsValue {
    let text = field_string(data, "query").unwrap_or_default();
    let start = now();
    let answer = match serde_json::from_str::<Query>(&text) {
        Ok(query) => MATCHER.with(|slot| slot.borrow().as_ref().map(|m| engine::answer(m, &query))),
        Err(_) => None,
    };
    let match_ms = now() - start;
    let answer = answer.and_then(|answer| serde_json::to_string(&answer).ok());
    object(&[
        ("type", "answer".into()),
        ("answer", answer.map_or(JsValue::NULL, JsValue::from)),
        ("match_ms", match_ms.into()),
    ])
}

/// `performance.now()` in a window or a worker.
fn now() -> f64 {
    let global = js_sys::global();
    Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|performance| {
            let now = Reflect::get(&performance, &"now".into()).ok()?;
            now.dyn_ref::<js_sys::Function>()?
                .call0(&performance)
                .ok()?
                .as_f64()
        })
        .unwrap_or(0.0)
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

fn field_string(data: &JsValue, name: &str) -> Option<String> {
    Reflect::get(data, &name.into()).ok()?.as_string()
}

fn field_f64(data: &JsValue, name: &str) -> Option<f64> {
    Reflect::get(data, &name.into()).ok()?.as_f64()
}

// ----- On the page ---------------------------------------------------------------------------

/// The page's matchers: the worker (or, without module workers, a matcher on this thread) and the
/// server. Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Rc<RefCell<Inner>>,
    dispatcher: UseReducerDispatcher<State>,
}

impl PartialEq for Engine {
    fn eq(&self, other: &Engine) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

struct Inner {
    worker: Option<Worker>,
    /// The matcher on this thread, when there is no worker.
    here: Option<Rc<Matcher>>,
    /// Whether the local matcher (worker or here) has a catalog.
    ready: bool,
    from_cache: bool,
    /// The page's scope (`region`, `kinds` of its URL) for questions to the server.
    scope: Filters,
    local: Lane,
    server: Lane,
    /// The last question asked, and whether of the local matcher.
    last: Option<(Query, bool)>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Option<Closure<dyn FnMut(web_sys::ErrorEvent)>>,
}

/// One matcher's queue: whether a question is out, and the latest one asked since.
#[derive(Default)]
struct Lane {
    busy: bool,
    next: Option<Query>,
}

impl Lane {
    /// The question to send now, if the lane is free; otherwise it waits as the next.
    fn offer(&mut self, query: Query) -> Option<Query> {
        if self.busy {
            self.next = Some(query);
            None
        } else {
            self.busy = true;
            Some(query)
        }
    }

    /// The lane's answer came back: the question to send next, if one waits.
    fn done(&mut self) -> Option<Query> {
        self.busy = false;
        let next = self.next.take()?;
        self.busy = true;
        Some(next)
    }
}

impl Engine {
    /// Starts the worker (when the browser has module workers).
    pub fn start(dispatcher: UseReducerDispatcher<State>) -> Engine {
        let scope = Filters {
            region: browser::query_param("region"),
            kinds: browser::query_param("kinds")
                .map(|kinds| {
                    kinds
                        .split(',')
                        .filter_map(|kind| Kind::parse(kind.trim()))
                        .collect()
                })
                .unwrap_or_default(),
            ..Filters::default()
        };
        let engine = Engine {
            inner: Rc::new(RefCell::new(Inner {
                worker: None,
                here: None,
                ready: false,
                from_cache: false,
                scope,
                local: Lane::default(),
                server: Lane::default(),
                last: None,
                _on_message: None,
                _on_error: None,
            })),
            dispatcher,
        };
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        if let Ok(worker) = Worker::new_with_options("worker.js", &options) {
            let handler = engine.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                handler.on_worker_message(&event.data());
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // A worker that cannot run (its script missing, say) fails the load, with a reason;
            // the server still answers while online.
            let failed = engine.dispatcher.clone();
            let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
                move |event: web_sys::ErrorEvent| {
                    failed.dispatch(Action::LoadFailed(format!(
                        "the matching worker failed: {}",
                        event.message()
                    )));
                },
            );
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            let mut inner = engine.inner.borrow_mut();
            inner.worker = Some(worker);
            inner._on_message = Some(on_message);
            inner._on_error = Some(on_error);
        }
        engine
    }

    /// Hands the snapshot to the local matcher.
    pub fn load(&self, bytes: js_sys::ArrayBuffer, from_cache: bool) {
        let mut inner = self.inner.borrow_mut();
        inner.from_cache = from_cache;
        if let Some(worker) = &inner.worker {
            let message = object(&[("type", "load".into()), ("bytes", bytes.clone().into())]);
            let transfer = Array::of1(&bytes);
            if worker
                .post_message_with_transfer(&message, &transfer)
                .is_ok()
            {
                return;
            }
        }
        drop(inner);
        self.load_here(&js_sys::Uint8Array::new(&bytes).to_vec(), from_cache);
    }

    /// Decodes and indexes on this thread (no worker).
    fn load_here(&self, bytes: &[u8], from_cache: bool) {
        let decoded = decode_snapshot(bytes);
        browser::mark("duijie:decoded");
        browser::measure("duijie:decode", "duijie:snapshot-loaded", "duijie:decoded");
        let action = match decoded {
            Ok(snapshot) => {
                let matcher = matcher_from_snapshot(snapshot);
                warm_up(&matcher);
                browser::mark("duijie:indexed");
                browser::measure("duijie:index", "duijie:decoded", "duijie:indexed");
                let catalog = Catalog {
                    version: matcher.version().to_string(),
                    len: matcher.len(),
                };
                let mut inner = self.inner.borrow_mut();
                inner.here = Some(Rc::new(matcher));
                inner.ready = true;
                Action::Loaded {
                    catalog,
                    from_cache,
                }
            }
            Err(message) => Action::LoadFailed(message),
        };
        self.dispatcher.dispatch(action);
    }

    /// Asks the question: of the local matcher once it has a catalog, else of the server when
    /// online; otherwise it waits for the catalog (loading it asks again).
    /// The same question asked twice (by the input handler, then by the effect after the render)
    /// is sent once.
    pub fn ask(&self, query: Query, online: bool) {
        let mut inner = self.inner.borrow_mut();
        let local = inner.ready;
        if !local && !online {
            return;
        }
        let asked = (query, local);
        if inner.last.as_ref() == Some(&asked) {
            return;
        }
        inner.last = Some(asked.clone());
        drop(inner);
        self.route(asked.0, online);
    }

    fn route(&self, query: Query, online: bool) {
        let mut inner = self.inner.borrow_mut();
        if inner.ready {
            if let Some(query) = inner.local.offer(query) {
                drop(inner);
                self.send_local(query);
            }
        } else if online {
            if let Some(query) = inner.server.offer(query) {
                drop(inner);
                self.send_server(query);
            }
        }
    }

    fn send_local(&self, query: Query) {
        let inner = self.inner.borrow();
        if let Some(worker) = &inner.worker {
            let text = serde_json::to_string(&query).unwrap_or_default();
            let message = object(&[("type", "query".into()), ("query", text.into())]);
            browser::mark("duijie:asked");
            if worker.post_message(&message).is_err() {
                drop(inner);
                self.inner.borrow_mut().local.busy = false;
            }
            return;
        }
        let Some(matcher) = inner.here.clone() else {
            return;
        };
        drop(inner);
        let start = now();
        let answer = engine::answer(&matcher, &query);
        browser::measure_duration("duijie:match", now() - start);
        self.answered(answer, Source::Local);
    }

    fn send_server(&self, query: Query) {
        let body = engine::server_request(&query, &self.inner.borrow().scope).to_string();
        let engine = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = ask_server(&body).await.map(|mut answer| {
                answer.id = query.id;
                answer.relax.clear();
                answer
            });
            let next = engine.inner.borrow_mut().server.done();
            if let Ok(answer) = answer {
                engine
                    .dispatcher
                    .dispatch(Action::Answer(answer, Source::Server));
            }
            if let Some(next) = next {
                // The catalog may have arrived meanwhile: ask whoever answers now.
                engine.inner.borrow_mut().server.busy = false;
                engine.route(next, true);
            }
        });
    }

    fn answered(&self, answer: Answer, source: Source) {
        let next = self.inner.borrow_mut().local.done();
        self.dispatcher.dispatch(Action::Answer(answer, source));
        if let Some(next) = next {
            self.send_local(next);
        }
    }

    fn on_worker_message(&self, data: &JsValue) {
        match field_string(data, "type").as_deref() {
            Some("loaded") => {
                if let Some(ms) = field_f64(data, "decode_ms") {
                    browser::measure_duration("duijie:decode", ms);
                }
                if let Some(ms) = field_f64(data, "index_ms") {
                    browser::measure_duration("duijie:index", ms);
                }
                let catalog = Catalog {
                    version: field_string(data, "version").unwrap_or_default(),
                    len: field_f64(data, "len").unwrap_or(0.0) as usize,
                };
                let from_cache = {
                    let mut inner = self.inner.borrow_mut();
                    inner.ready = true;
                    inner.from_cache
                };
                self.dispatcher.dispatch(Action::Loaded {
                    catalog,
                    from_cache,
                });
            }
            Some("failed") => {
                let message = field_string(data, "message").unwrap_or_default();
                self.dispatcher.dispatch(Action::LoadFailed(message));
            }
            Some("answer") => {
                if let Some(ms) = field_f64(data, "match_ms") {
                    browser::measure_duration("duijie:match", ms);
                }
                browser::mark("duijie:answered");
                browser::measure("duijie:answer", "duijie:asked", "duijie:answered");
                let answer = field_string(data, "answer")
                    .and_then(|text| serde_json::from_str::<Answer>(&text).ok());
                match answer {
                    Some(answer) => self.answered(answer, Source::Local),
                    None => {
                        let next = self.inner.borrow_mut().local.done();
                        if let Some(next) = next {
                            self.send_local(next);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `POST /api/v1/match` with a prepared body.
async fn ask_server(body: &str) -> Result<Answer, String> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let request =
        Request::new_with_str_and_init("/api/v1/match", &init).map_err(browser::describe)?;
    request
        .headers()
        .set("Content-Type", "application/json")
        .map_err(browser::describe)?;
    let response: Response = JsFuture::from(browser::window().fetch_with_request(&request))
        .await
        .map_err(browser::describe)?
        .dyn_into()
        .map_err(browser::describe)?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(browser::describe)?)
        .await
        .map_err(browser::describe)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|error| error.to_string())
}
