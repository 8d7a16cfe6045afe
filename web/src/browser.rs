//! The widget's edges in the browser: the snapshot download and its offline copy (Cache API),
//! localStorage, User Timing, file download, and messages to an embedding page.
//!
//! Everything here is a thin call into web-sys; the logic it serves lives in `state.rs`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, Response, Url, UrlSearchParams};

/// The Cache API cache holding the last snapshot (the service worker caches the app shell).
pub const SNAPSHOT_CACHE: &str = "duijie-snapshot-v1";
/// The User Timing measure from an input event to its results in the DOM.
pub const RESULTS_MEASURE: &str = "duijie:results";
const INPUT_MARK: &str = "duijie:input";
const SHORTLIST_KEY: &str = "duijie:shortlist";

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a browser window")
}

/// A query parameter of the page's URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    let params = UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|value| !value.is_empty())
}

/// The page's scope: the `region` and `kinds` of its query (a portal's `data-region` and
/// `data-kinds`), which cut the snapshot and which the pickers show.
pub fn page_scope() -> duijie_core::Filters {
    crate::state::scope_of(
        query_param("region").as_deref(),
        query_param("kinds").as_deref(),
    )
}

/// The snapshot URL for the page's scope (`region`, `kinds` from its query).
pub fn snapshot_url() -> String {
    let mut url = "/api/v1/snapshot".to_string();
    let mut separator = '?';
    for name in ["region", "kinds"] {
        if let Some(value) = query_param(name) {
            url.push(separator);
            url.push_str(name);
            url.push('=');
            url.push_str(&String::from(js_sys::encode_uri_component(&value)));
            separator = '&';
        }
    }
    url
}

/// The snapshot's bytes and whether they came from the offline copy: the network first (the browser
/// revalidates with the server's ETag), then the copy the last successful load stored.
pub async fn load_snapshot(url: &str) -> Result<(Vec<u8>, bool), String> {
    match fetch_and_store(url).await {
        Ok(bytes) => Ok((bytes, false)),
        Err(network_error) => match cached_bytes(url).await {
            Some(bytes) => Ok((bytes, true)),
            None => Err(network_error),
        },
    }
}

/// The download `app.js` started for `url` while this module was still loading
/// (`globalThis.duijieSnapshot = {url, ready}`), taken once; `None` if it started none or another.
fn prefetched(url: &str) -> Option<js_sys::Promise> {
    let global = js_sys::global();
    let key = JsValue::from_str("duijieSnapshot");
    let started = Reflect::get(&global, &key).ok()?;
    if started.is_undefined() || started.is_null() {
        return None;
    }
    let _ = Reflect::delete_property(global.unchecked_ref::<Object>(), &key);
    let started_url = Reflect::get(&started, &JsValue::from_str("url"))
        .ok()?
        .as_string()?;
    if started_url != url {
        return None;
    }
    Reflect::get(&started, &JsValue::from_str("ready"))
        .ok()?
        .dyn_into()
        .ok()
}

async fn fetch_and_store(url: &str) -> Result<Vec<u8>, String> {
    if let Some(ready) = prefetched(url) {
        // `{status, bytes, copy}`, `bytes` and `copy` (an unread clone) when the status is 2xx.
        let done = JsFuture::from(ready).await.map_err(describe)?;
        let field = |name: &str| Reflect::get(&done, &JsValue::from_str(name)).ok();
        let Some(bytes) = field("bytes").filter(|bytes| bytes.is_object()) else {
            let status = field("status")
                .and_then(|status| status.as_f64())
                .unwrap_or(0.0);
            return Err(format!("HTTP {status}"));
        };
        if let Some(copy) = field("copy").and_then(|copy| copy.dyn_into::<Response>().ok()) {
            store(url, copy);
        }
        return Ok(js_sys::Uint8Array::new(&bytes).to_vec());
    }
    let request = Request::new_with_str(url).map_err(describe)?;
    let response: Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    if let Ok(copy) = response.clone() {
        store(url, copy);
    }
    body_bytes(&response).await
}

/// Keeps a copy of the snapshot for offline use, without holding up the first match; failing to
/// store (private mode, quota) is no reason to fail.
fn store(url: &str, copy: Response) {
    let url = url.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(caches) = window().caches() {
            if let Ok(cache) = JsFuture::from(caches.open(SNAPSHOT_CACHE)).await {
                let cache: web_sys::Cache = cache.unchecked_into();
                let _ = JsFuture::from(cache.put_with_str(&url, &copy)).await;
            }
        }
    });
}

/// A response body as bytes: read as an `ArrayBuffer`, it is copied once into wasm memory, where
/// reading it as text would decode it to a JS string and encode it back to UTF-8.
async fn body_bytes(response: &Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn cached_bytes(url: &str) -> Option<Vec<u8>> {
    let caches = window().caches().ok()?;
    let cache: web_sys::Cache = JsFuture::from(caches.open(SNAPSHOT_CACHE))
        .await
        .ok()?
        .unchecked_into();
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    body_bytes(&response).await.ok()
}

pub(crate) fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "network error".to_string())
}

/// Marks an input event, the start of the `duijie:results` measure.
pub fn mark_input() {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(INPUT_MARK);
    }
}

/// Measures from the last input mark to now (the results are in the DOM), then clears the mark.
pub fn measure_results() {
    if let Some(performance) = window().performance() {
        let _ = performance.measure_with_start_mark(RESULTS_MEASURE, INPUT_MARK);
        performance.clear_marks_with_mark_name(INPUT_MARK);
    }
}

/// A User Timing mark.
pub fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// A User Timing measure between two marks.
pub fn measure(name: &str, start_mark: &str, end_mark: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.measure_with_start_mark_and_end_mark(name, start_mark, end_mark);
    }
}

/// Milliseconds since the page started.
pub fn now() -> f64 {
    window()
        .performance()
        .map_or(0.0, |performance| performance.now())
}

pub(crate) fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

pub fn load_shortlist() -> Vec<crate::state::ShortItem> {
    storage()
        .and_then(|storage| storage.get_item(SHORTLIST_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save_shortlist(items: &[crate::state::ShortItem]) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(items)) {
        let _ = storage.set_item(SHORTLIST_KEY, &text);
    }
}

/// Offers `content` as a file download.
pub fn download(file_name: &str, content: &str, mime: &str) {
    let parts = Array::of1(&JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(document) = window().document() {
        if let Ok(anchor) = document.create_element("a") {
            let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
            anchor.set_href(&url);
            anchor.set_download(file_name);
            anchor.click();
        }
    }
    let _ = Url::revoke_object_url(&url);
}

pub fn is_online() -> bool {
    window().navigator().on_line()
}

/// Calls `callback` with the new state whenever the browser goes online or offline.
pub fn on_connectivity(callback: impl Fn(bool) + 'static) {
    let callback = std::rc::Rc::new(callback);
    for (event, online) in [("online", true), ("offline", false)] {
        let callback = callback.clone();
        let closure = Closure::<dyn Fn()>::new(move || callback(online));
        let _ = window().add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        closure.forget();
    }
}

/// The embedding page's origin, when the widget runs in an iframe that embed.js inserted.
///
/// embed.js passes the page's origin as `parent`; it is believed only when the referrer (which the
/// browser sets, and the page cannot forge) has the same origin. Without a referrer nothing is posted.
pub fn embedding_origin() -> Option<String> {
    let window = window();
    let parent = window.parent().ok().flatten()?;
    if parent == window {
        return None;
    }
    let claimed = query_param("parent")?;
    let referrer = window.document()?.referrer();
    let referrer_origin = Url::new(&referrer).ok()?.origin();
    (referrer_origin == claimed && claimed != "null").then_some(claimed)
}

/// Posts `{type, ...fields}` to the embedding page at exactly `origin`.
pub fn post_to_parent(origin: &str, message_type: &str, fields: &[(&str, JsValue)]) {
    let Some(parent) = window().parent().ok().flatten() else {
        return;
    };
    let message = Object::new();
    let _ = Reflect::set(&message, &"type".into(), &message_type.into());
    for (name, value) in fields {
        let _ = Reflect::set(&message, &(*name).into(), value);
    }
    let _ = parent.post_message(&message, origin);
}

/// Calls `callback` with the text of `duijie:need` messages from the embedding page; messages from
/// any other origin or window are ignored.
pub fn on_parent_need(origin: String, callback: impl Fn(String) + 'static) {
    let window = window();
    let parent = window.parent().ok().flatten();
    let closure =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if event.origin() != origin {
                return;
            }
            let from_parent = match (event.source(), &parent) {
                (Some(source), Some(parent)) => {
                    JsValue::from(source) == JsValue::from(parent.clone())
                }
                _ => false,
            };
            if !from_parent {
                return;
            }
            let data = event.data();
            let message_type = Reflect::get(&data, &"type".into())
                .ok()
                .and_then(|value| value.as_string());
            if message_type.as_deref() == Some("duijie:need") {
                if let Some(text) = Reflect::get(&data, &"text".into())
                    .ok()
                    .and_then(|value| value.as_string())
                {
                    callback(text);
                }
            }
        });
    let _ = window.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
    closure.forget();
}

/// Posts the page's height to the embedding page whenever it changes, so the iframe fits its content.
pub fn report_height(origin: String) {
    let Some(element) = window()
        .document()
        .and_then(|document| document.document_element())
    else {
        return;
    };
    let post = move || {
        let height = window()
            .document()
            .and_then(|document| document.document_element())
            .map_or(0, |element| element.scroll_height());
        post_to_parent(
            &origin,
            "duijie:height",
            &[("height", JsValue::from(height))],
        );
    };
    post();
    let closure = Closure::<dyn Fn()>::new(post);
    if let Ok(observer) = web_sys::ResizeObserver::new(closure.as_ref().unchecked_ref()) {
        observer.observe(&element);
    }
    closure.forget();
}

/// Runs `callback` after `delay_ms` milliseconds; returns the timer id for `cancel_timeout`.
pub fn set_timeout(delay_ms: i32, callback: impl FnOnce() + 'static) -> Option<i32> {
    let closure = Closure::once_into_js(callback);
    window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(closure.unchecked_ref(), delay_ms)
        .ok()
}

pub fn cancel_timeout(id: i32) {
    window().clear_timeout_with_handle(id);
}
