//! wasm-bindgen bindings of duijie-core for JavaScript (filled in by the widget issue).
