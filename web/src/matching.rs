//! Where answers come from on the page: the snapshot, decoded and indexed on this thread in slices
//! of a few milliseconds, and, until it is ready, `POST /api/v1/match` when online.
//!
//! Indexing takes seconds at 20,000 resources (more at 100,000). Done in one go it would freeze the
//! page; done in slices (`duijie_core::pause`, yielding to the event loop when a slice has run
//! `SLICE_MS`), the broker types, the page paints, and the server answers meanwhile, so results show
//! within a second of opening the page on any Wi-Fi. Once loaded, the reducer matches locally and at
//! once (`State::ask`). Offline before the first load there is nothing to match on until the cached
//! snapshot is indexed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use duijie_core::Filters;
use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};
use yew::UseReducerDispatcher;

use crate::browser;
use crate::catalog::{load, warm_up};
use crate::engine::{self, Answer, Query};
use crate::state::{Action, State};

/// Work between two yields to the event loop while loading: half a frame at 60 Hz.
const SLICE_MS: f64 = 8.0;

/// Decodes and indexes the snapshot in slices, then hands the matcher to the reducer. User Timing:
/// `duijie:decode` and `duijie:index`, wall time including the slices given to the page meanwhile.
pub async fn load_snapshot(
    bytes: Vec<u8>,
    from_cache: bool,
    dispatcher: UseReducerDispatcher<State>,
) {
    let slice_start = Rc::new(Cell::new(browser::now()));
    let mut pause = move || {
        let slice_start = slice_start.clone();
        let due = browser::now() - slice_start.get() >= SLICE_MS;
        async move {
            if due {
                yield_now().await;
                slice_start.set(browser::now());
            }
        }
    };
    let loaded = load(&bytes, &mut pause, || {
        browser::mark("duijie:decoded");
        browser::measure("duijie:decode", "duijie:snapshot-loaded", "duijie:decoded");
    })
    .await;
    drop(bytes);
    let action = match loaded {
        Ok(matcher) => {
            warm_up(&matcher);
            browser::mark("duijie:indexed");
            browser::measure("duijie:index", "duijie:decoded", "duijie:indexed");
            Action::Loaded {
                matcher: Rc::new(matcher),
                from_cache,
            }
        }
        Err(message) => Action::LoadFailed(message),
    };
    dispatcher.dispatch(action);
}

/// Lets the event loop run (input, rendering, network): `scheduler.yield()` where the browser has
/// it, else a zero-delay timeout.
async fn yield_now() {
    let global = js_sys::global();
    let scheduled = Reflect::get(&global, &"scheduler".into())
        .ok()
        .filter(|scheduler| scheduler.is_object())
        .and_then(|scheduler| {
            let yield_ = Reflect::get(&scheduler, &"yield".into()).ok()?;
            let promise = yield_
                .dyn_ref::<js_sys::Function>()?
                .call0(&scheduler)
                .ok()?;
            promise.dyn_into::<Promise>().ok()
        });
    let promise = scheduled.unwrap_or_else(|| {
        Promise::new(&mut |resolve, _| {
            let _ = browser::window()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        })
    });
    let _ = JsFuture::from(promise).await;
}

/// Questions to the server while the snapshot loads: at most one out at a time, and of those asked
/// meanwhile only the latest goes next. Cheap to clone; every clone is the same asker.
#[derive(Clone)]
pub struct ServerAsker {
    inner: Rc<RefCell<Lane>>,
    /// The page's scope (`region`, `kinds` of its URL): the server matches its whole catalog.
    scope: Rc<Filters>,
    dispatcher: UseReducerDispatcher<State>,
}

#[derive(Default)]
struct Lane {
    busy: bool,
    next: Option<Query>,
    /// The last question sent, so that the same one asked again (say, after a render) is not.
    last: Option<u64>,
}

impl ServerAsker {
    pub fn new(dispatcher: UseReducerDispatcher<State>) -> ServerAsker {
        let scope = browser::page_scope();
        ServerAsker {
            inner: Rc::default(),
            scope: Rc::new(scope),
            dispatcher,
        }
    }

    pub fn ask(&self, query: Query) {
        let mut lane = self.inner.borrow_mut();
        if lane.last == Some(query.id) {
            return;
        }
        lane.last = Some(query.id);
        if lane.busy {
            lane.next = Some(query);
            return;
        }
        lane.busy = true;
        drop(lane);
        self.send(query);
    }

    fn send(&self, query: Query) {
        let body = engine::server_request(&query, &self.scope).to_string();
        let asker = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match ask_server(&body).await {
                Ok(mut answer) => {
                    answer.id = query.id;
                    asker.dispatcher.dispatch(Action::Answer(answer));
                }
                // Unanswered: the same question may be asked again (say, back online).
                Err(_) => {
                    let mut lane = asker.inner.borrow_mut();
                    if lane.last == Some(query.id) {
                        lane.last = None;
                    }
                }
            }
            let next = {
                let mut lane = asker.inner.borrow_mut();
                lane.busy = lane.next.is_some();
                lane.next.take()
            };
            if let Some(next) = next {
                asker.send(next);
            }
        });
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
