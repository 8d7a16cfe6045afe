//! The status line: catalog version and size, online or offline, and whether the catalog came from
//! the offline copy.

use yew::prelude::*;

use crate::state::{Source, State};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

#[function_component(Status)]
pub fn status(props: &Props) -> Html {
    let state = &props.state;
    let lang = state.lang;
    let catalog = state.matcher.as_ref().map(|matcher| {
        format!(
            "{} {} · {} {}",
            lang.t("catalog"),
            matcher.version(),
            matcher.len(),
            lang.t("resources")
        )
    });
    let from_server = state.answered_by == Some(Source::Server) && state.matcher.is_none();
    let connectivity = if state.online {
        lang.t("online")
    } else {
        lang.t("offline")
    };
    html! {
        <footer class="status" role="status" data-online={state.online.to_string()}>
            if let Some(catalog) = catalog {
                <span class="catalog">{ catalog }</span>
            }
            <span class={classes!("net", if state.online { "on" } else { "off" })}>{ connectivity }</span>
            if from_server {
                <span class="server">{ lang.t("from_server") }</span>
            }
            if state.from_cache {
                <span class="cache">{ lang.t("from_cache") }</span>
            }
        </footer>
    }
}
