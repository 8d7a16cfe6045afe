//! The route table: every route of the service, once. Each entry pairs a handler with its
//! `#[utoipa::path]` documentation, which gives the route's method and path; the table registers the
//! routes and `openapi::document()` builds `/api/openapi.json` from it, so the document lists exactly
//! the routes that exist.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{guard, web, HttpRequest};
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};

use crate::error::{ApiError, Code};

pub mod catalog;
pub mod demand;
pub mod engagements;
pub mod fair_day;
pub mod fairs;
pub mod matching;
pub mod needs;
pub mod openapi;
pub mod resources;
pub mod setup;
pub mod subscriptions;
pub mod system;

/// One route: its method and path (from its documentation), the query parameters it accepts, and
/// the handler.
pub struct RouteSpec {
    pub method: Method,
    pub path: String,
    /// Query parameters it accepts (a test checks they are the documented ones).
    pub query: &'static [&'static str],
    pub handler: fn() -> actix_web::Route,
    /// The route's OpenAPI operation.
    pub operation: fn() -> utoipa::openapi::path::Operation,
    /// Adds the schemas the operation refers to (and those they refer to) to a list.
    pub schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

/// What `#[utoipa::path]` generates beside a handler `f`, as the type `__path_f`: the path, method
/// and operation, its tag, and the schemas it refers to. The last two traits are utoipa's
/// `__dev` ones, which its own routers (utoipa-axum, utoipa-actix-web) use the same way.
pub trait Documented:
    utoipa::Path + for<'t> utoipa::__dev::Tags<'t> + utoipa::__dev::SchemaReferences
{
}

impl<T> Documented for T where
    T: utoipa::Path + for<'t> utoipa::__dev::Tags<'t> + utoipa::__dev::SchemaReferences
{
}

/// The operation with its tags.
fn operation_of<Doc: Documented>() -> utoipa::openapi::path::Operation {
    let mut operation = Doc::operation();
    let tags: Vec<String> = <Doc as utoipa::__dev::Tags>::tags()
        .into_iter()
        .map(str::to_string)
        .collect();
    operation.tags = Some(tags);
    operation
}

/// A route documented by `Doc` (the type `#[utoipa::path]` generates beside a handler `f`, named
/// `__path_f`).
fn route<Doc: Documented>(
    query: &'static [&'static str],
    handler: fn() -> actix_web::Route,
) -> RouteSpec {
    let methods = Doc::methods();
    let [method] = methods.as_slice() else {
        panic!("{}: one method per route", Doc::path());
    };
    let name = serde_json::to_value(method)
        .ok()
        .and_then(|name| name.as_str().map(str::to_ascii_uppercase))
        .unwrap_or_default();
    RouteSpec {
        method: Method::from_bytes(name.as_bytes()).expect("an HTTP method"),
        path: Doc::path(),
        query,
        handler,
        operation: operation_of::<Doc>,
        schemas: <Doc as utoipa::__dev::SchemaReferences>::schemas,
    }
}

/// Every route of the service.
pub fn routes() -> Vec<RouteSpec> {
    use catalog::{__path_export, __path_import, __path_snapshot};
    use demand::{
        __path_dashboard as __path_demand_dashboard,
        __path_dashboard_js as __path_demand_dashboard_js, __path_demand,
    };
    use engagements::{
        __path_create as __path_create_engagement, __path_dashboard, __path_dashboard_js,
        __path_get as __path_get_engagement, __path_list as __path_list_engagements, __path_stats,
        __path_transition,
    };
    use fair_day::{
        __path_check_in, __path_day as __path_fair_day, __path_outcome as __path_meeting_outcome,
    };
    use fairs::{
        __path_add_participant, __path_agenda_calendar, __path_agenda_page, __path_answer,
        __path_create as __path_create_fair, __path_create_request, __path_get as __path_get_fair,
        __path_import_participants, __path_list as __path_list_fairs, __path_participants,
        __path_plan, __path_publish, __path_put as __path_put_fair, __path_put_participant,
        __path_requests, __path_schedule, __path_send_requests, __path_stats as __path_fair_stats,
        __path_subscribe, __path_subscribed_calendar, __path_suggestions, __path_table_plan,
    };
    use matching::{__path_match_need, __path_taxonomy};
    use needs::{
        __path_create as __path_create_need, __path_delete as __path_delete_need,
        __path_export as __path_export_needs, __path_get as __path_get_need,
        __path_import as __path_import_needs, __path_list as __path_list_needs, __path_matches,
        __path_put as __path_put_need, __path_resource_needs,
    };
    use resources::{
        __path_create as __path_create_resource, __path_delete as __path_delete_resource,
        __path_get as __path_get_resource, __path_list as __path_list_resources,
        __path_put as __path_put_resource,
    };
    use setup::{
        __path_demo, __path_embed_check, __path_remove_demo, __path_template, __path_templates,
    };
    use subscriptions::{
        __path_create as __path_create_subscription, __path_delete as __path_delete_subscription,
        __path_feed, __path_get as __path_get_subscription,
        __path_list as __path_list_subscriptions, __path_patch as __path_patch_subscription,
        __path_stats as __path_push_stats, __path_unsubscribe, __path_unsubscribe_post,
    };
    use system::{__path_healthz, __path_metrics, __path_openapi, __path_readyz, __path_whoami};
    vec![
        route::<__path_healthz>(&[], || web::route().to(system::healthz)),
        route::<__path_readyz>(&[], || web::route().to(system::readyz)),
        route::<__path_metrics>(&[], || web::route().to(system::metrics)),
        route::<__path_openapi>(&[], || web::route().to(system::openapi)),
        route::<__path_list_resources>(resources::LIST_QUERY, || web::route().to(resources::list)),
        route::<__path_create_resource>(&[], || web::route().to(resources::create)),
        route::<__path_get_resource>(&[], || web::route().to(resources::get)),
        route::<__path_put_resource>(&[], || web::route().to(resources::put)),
        route::<__path_delete_resource>(&[], || web::route().to(resources::delete)),
        route::<__path_import>(catalog::IMPORT_QUERY, || web::route().to(catalog::import)),
        route::<__path_templates>(&[], || web::route().to(setup::templates)),
        route::<__path_template>(&[], || web::route().to(setup::template)),
        route::<__path_export>(&[], || web::route().to(catalog::export)),
        route::<__path_snapshot>(catalog::SNAPSHOT_QUERY, || {
            web::route().to(catalog::snapshot)
        }),
        route::<__path_match_need>(&[], || web::route().to(matching::match_need)),
        route::<__path_taxonomy>(&[], || web::route().to(matching::taxonomy)),
        route::<__path_demo>(&[], || web::route().to(setup::demo)),
        route::<__path_remove_demo>(&[], || web::route().to(setup::remove_demo)),
        route::<__path_embed_check>(&[], || web::route().to(setup::embed_check)),
        route::<__path_whoami>(&[], || web::route().to(system::whoami)),
        route::<__path_create_engagement>(&[], || web::route().to(engagements::create)),
        route::<__path_list_engagements>(engagements::LIST_QUERY, || {
            web::route().to(engagements::list)
        }),
        route::<__path_get_engagement>(&[], || web::route().to(engagements::get)),
        route::<__path_transition>(&[], || web::route().to(engagements::transition)),
        route::<__path_stats>(engagements::STATS_QUERY, || {
            web::route().to(engagements::stats)
        }),
        // The fixed paths before `/api/v1/needs/{id}`, which would take them as ids.
        route::<__path_import_needs>(catalog::IMPORT_QUERY, || web::route().to(needs::import)),
        route::<__path_export_needs>(&[], || web::route().to(needs::export)),
        route::<__path_list_needs>(needs::LIST_QUERY, || web::route().to(needs::list)),
        route::<__path_create_need>(&[], || web::route().to(needs::create)),
        route::<__path_get_need>(&[], || web::route().to(needs::get)),
        route::<__path_put_need>(&[], || web::route().to(needs::put)),
        route::<__path_delete_need>(&[], || web::route().to(needs::delete)),
        route::<__path_matches>(needs::MATCHES_QUERY, || web::route().to(needs::matches)),
        route::<__path_resource_needs>(needs::REVERSE_QUERY, || {
            web::route().to(needs::resource_needs)
        }),
        route::<__path_push_stats>(&[], || web::route().to(subscriptions::stats)),
        route::<__path_list_subscriptions>(&[], || web::route().to(subscriptions::list)),
        route::<__path_create_subscription>(&[], || web::route().to(subscriptions::create)),
        route::<__path_get_subscription>(&[], || web::route().to(subscriptions::get)),
        route::<__path_patch_subscription>(&[], || web::route().to(subscriptions::patch)),
        route::<__path_delete_subscription>(&[], || web::route().to(subscriptions::delete)),
        route::<__path_unsubscribe>(&[], || web::route().to(subscriptions::unsubscribe)),
        route::<__path_unsubscribe_post>(&[], || web::route().to(subscriptions::unsubscribe_post)),
        route::<__path_feed>(&[], || web::route().to(subscriptions::feed)),
        route::<__path_demand>(demand::DEMAND_QUERY, || web::route().to(demand::demand)),
        route::<__path_dashboard>(&[], || web::route().to(engagements::dashboard)),
        route::<__path_list_fairs>(&[], || web::route().to(fairs::list)),
        route::<__path_create_fair>(&[], || web::route().to(fairs::create)),
        route::<__path_get_fair>(&[], || web::route().to(fairs::get)),
        route::<__path_put_fair>(&[], || web::route().to(fairs::put)),
        // The fixed paths before `.../participants/{participant}` and `.../requests/{request}`.
        route::<__path_import_participants>(catalog::IMPORT_QUERY, || {
            web::route().to(fairs::import_participants)
        }),
        route::<__path_participants>(&[], || web::route().to(fairs::participants)),
        route::<__path_add_participant>(&[], || web::route().to(fairs::add_participant)),
        route::<__path_put_participant>(&[], || web::route().to(fairs::put_participant)),
        route::<__path_agenda_page>(&[], || web::route().to(fairs::agenda_page)),
        route::<__path_agenda_calendar>(&[], || web::route().to(fairs::agenda_calendar)),
        route::<__path_subscribe>(&[], || web::route().to(fairs::subscribe)),
        route::<__path_subscribed_calendar>(&[], || web::route().to(fairs::subscribed_calendar)),
        route::<__path_send_requests>(&[], || web::route().to(fairs::send_requests)),
        route::<__path_requests>(&[], || web::route().to(fairs::requests)),
        route::<__path_create_request>(&[], || web::route().to(fairs::create_request)),
        route::<__path_answer>(&[], || web::route().to(fairs::answer)),
        route::<__path_suggestions>(fairs::SUGGESTIONS_QUERY, || {
            web::route().to(fairs::suggestions)
        }),
        route::<__path_plan>(&[], || web::route().to(fairs::plan)),
        route::<__path_schedule>(&[], || web::route().to(fairs::schedule)),
        route::<__path_publish>(&[], || web::route().to(fairs::publish)),
        route::<__path_table_plan>(&[], || web::route().to(fairs::table_plan)),
        route::<__path_fair_stats>(&[], || web::route().to(fairs::stats)),
        route::<__path_fair_day>(&[], || web::route().to(fair_day::day)),
        route::<__path_check_in>(&[], || web::route().to(fair_day::check_in)),
        route::<__path_meeting_outcome>(&[], || web::route().to(fair_day::outcome)),
        route::<__path_dashboard_js>(&[], || web::route().to(engagements::dashboard_js)),
        route::<__path_demand_dashboard>(&[], || web::route().to(demand::dashboard)),
        route::<__path_demand_dashboard_js>(&[], || web::route().to(demand::dashboard_js)),
    ]
}

/// Registers every route of `routes()`; GET routes also answer HEAD (load balancers, `curl -I`).
pub fn configure(config: &mut web::ServiceConfig) {
    for route in routes() {
        let handler = (route.handler)();
        let handler = if route.method == Method::GET {
            handler.guard(guard::Any(guard::Get()).or(guard::Head()))
        } else {
            handler.method(route.method.clone())
        };
        config.route(&route.path, handler);
    }
}

/// Old query parameter names still accepted for one release, with the name that replaced them:
/// list-valued parameters are plural everywhere (`kinds`, as in `/api/v1/snapshot`, the match
/// filters and the embed snippet's `data-kinds`).
pub const QUERY_ALIASES: &[(&str, &str)] = &[
    ("kind", "kinds"),
    ("industry", "industries"),
    ("discipline", "disciplines"),
];

/// The methods the routes of `path` take (GET ones also HEAD), in table order; empty when no route
/// pattern matches `path`.
pub fn methods_of(path: &str) -> Vec<&'static str> {
    let matches = |pattern: &str| {
        let mut wanted = pattern.split('/');
        let mut given = path.split('/');
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return true,
                (Some(want), Some(segment)) => {
                    // `{name}` takes any segment; `{name}.atom` any that ends so.
                    let same = match (want.find('{'), want.find('}')) {
                        (Some(open), Some(close)) if open < close => {
                            let (before, after) = (&want[..open], &want[close + 1..]);
                            segment.len() > before.len() + after.len()
                                && segment.starts_with(before)
                                && segment.ends_with(after)
                        }
                        _ => want == segment,
                    };
                    if !same {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    };
    let mut methods = Vec::new();
    for route in routes().into_iter().filter(|route| matches(&route.path)) {
        let names: &[&'static str] = match route.method.as_str() {
            "GET" => &["GET", "HEAD"],
            "POST" => &["POST"],
            "PUT" => &["PUT"],
            "PATCH" => &["PATCH"],
            "DELETE" => &["DELETE"],
            _ => &[],
        };
        for name in names {
            if !methods.contains(name) {
                methods.push(*name);
            }
        }
    }
    methods
}

/// The request's query parameters; an unknown one or a repeated one is a 400.
pub fn query_params(
    request: &HttpRequest,
    allowed: &[&str],
) -> Result<BTreeMap<String, String>, ApiError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .map_err(|error| ApiError::bad_request(Code::BadQuery, format!("query string: {error}")))?
        .into_inner();
    let mut params = BTreeMap::new();
    for (name, value) in pairs {
        // An old name counts as its new one, so giving both is a repeated parameter.
        let name = match QUERY_ALIASES
            .iter()
            .find(|(old, new)| *old == name && allowed.contains(new))
        {
            Some((_, new)) => new.to_string(),
            None => name,
        };
        if !allowed.contains(&name.as_str()) {
            return Err(ApiError::bad_request(
                Code::BadQuery,
                format!(
                    "unknown query parameter '{name}'; this route takes: {}",
                    allowed.join(", ")
                ),
            ));
        }
        if params.insert(name.clone(), value).is_some() {
            return Err(ApiError::bad_request(
                Code::BadQuery,
                match QUERY_ALIASES.iter().find(|(_, new)| *new == name) {
                    Some((old, _)) => format!(
                        "query parameter '{name}' is given twice (also as its old name '{old}')"
                    ),
                    None => format!("query parameter '{name}' is given twice"),
                },
            ));
        }
    }
    Ok(params)
}

/// A non-negative integer query parameter, or `default`.
pub fn number_param(
    params: &BTreeMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            ApiError::bad_request(
                Code::BadQuery,
                format!("'{name}' must be a non-negative integer"),
            )
        }),
    }
}

/// The request body, refusing more than `limit` bytes with a 413, whether the length is declared
/// (Content-Length) or not (chunked). A declared length sizes the buffer once, so a body costs its
/// size in memory, not a doubling buffer's.
pub async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    use futures_util::StreamExt as _;

    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::bad_request(
                Code::BadBody,
                format!("cannot read the request body: {error}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The request body as a JSON value.
pub async fn read_json(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Value, ApiError> {
    let bytes = read_body(request, payload, limit).await?;
    // A byte order mark, as Notepad and PowerShell write one, is no part of the JSON (the
    // importer drops it too).
    let json = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    serde_json::from_slice(json).map_err(|error| {
        ApiError::bad_request(
            Code::BadJson,
            format!("the body is not valid JSON: {error}"),
        )
    })
}
