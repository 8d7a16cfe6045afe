//! duijie-web: the embeddable yew matchmaking widget. It loads a catalog snapshot, matches needs
//! locally with duijie-core while the broker types, and keeps working offline on the last snapshot.

pub mod browser;
pub mod catalog;
pub mod components;
pub mod engagements;
pub mod engine;
pub mod fair;
pub mod highlight;
pub mod i18n;
pub mod matching;
pub mod state;
pub mod subscriptions;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::*;

/// Mounts the widget on `#duijie` (or the body) when the module loads.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    let document = gloo_document();
    let root = document
        .get_element_by_id("duijie")
        .or_else(|| document.body().map(Into::into))
        .expect("the page has a body");
    yew::Renderer::<components::app::App>::with_root(root).render();
}

#[cfg(target_arch = "wasm32")]
fn gloo_document() -> web_sys::Document {
    web_sys::window()
        .and_then(|window| window.document())
        .expect("a document")
}
