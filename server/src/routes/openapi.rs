//! `/api/openapi.json`: the OpenAPI document, built from the route table's `#[utoipa::path]`
//! annotations and the `ToSchema` derives of the types the handlers send and read, with one reusable
//! error response per HTTP status whose description lists that status's error codes (`Code`).

use actix_web::http::StatusCode;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{Code, ErrorBody};
use crate::routes::routes;

/// The name of the bearer-token security scheme routes refer to.
pub const BEARER: &str = "bearer";

/// The document `GET /api/openapi.json` serves.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    let mut schemas = Vec::new();
    for route in routes() {
        (route.schemas)(&mut schemas);
        let mut operation = (route.operation)();
        complete_operation(&mut operation);
        let method = match route.method.as_str() {
            "GET" => utoipa::openapi::HttpMethod::Get,
            "POST" => utoipa::openapi::HttpMethod::Post,
            "PUT" => utoipa::openapi::HttpMethod::Put,
            "PATCH" => utoipa::openapi::HttpMethod::Patch,
            "DELETE" => utoipa::openapi::HttpMethod::Delete,
            other => panic!("no OpenAPI method for {other}"),
        };
        document
            .paths
            .add_path_operation(&route.path, vec![method], operation);
    }
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    document
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "duijie catalog service",
        description = "Matches enterprises' technical needs to experts, achievements, patents and organisations, and explains every score. Every error answer is `{\"error\": {\"code\", \"message\", \"details\"}}`; clients branch on `code` (see the `Code` schema and each error response).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "The service that serves this document")),
    components(
        schemas(ErrorBody, Code),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            Invalid,
            UnsupportedMediaType,
            TooManyRequests,
            Internal,
            Unavailable,
            NotReady
        )
    ),
    tags(
        (name = "matching", description = "Ranking resources for a need, and the taxonomies for pickers"),
        (name = "resources", description = "The catalog's resources, one at a time"),
        (name = "catalog", description = "The whole catalog: import, export, the widget's snapshot"),
        (name = "engagements", description = "Engagements (对接记录) and their indicators"),
        (name = "needs", description = "Stored needs (需求): the demand side, their matches, and the needs a resource fits"),
        (name = "fairs", description = "Docking fairs (对接会): participants, meeting requests, the schedule, agendas and table plans"),
        (name = "system", description = "Health, metrics, this document, the caller's token")
    ),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

/// Adds the `bearer` security scheme routes with a token refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `duijie token create --scope admin|editor|broker`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every route may time out (503) or fail on our side (500); a route that declares no security
/// needs no token (`security: [{}]`, said explicitly so that tools need not guess); one that takes
/// a token may answer 429 to a client that sent too many unknown ones.
fn complete_operation(operation: &mut Operation) {
    let takes_token = operation.security.as_ref().is_some_and(|requirements| {
        requirements
            .iter()
            .any(|requirement| *requirement != SecurityRequirement::default())
    });
    if takes_token {
        operation
            .responses
            .responses
            .entry("429".to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("TooManyRequests")));
    }
    operation
        .security
        .get_or_insert_with(|| vec![SecurityRequirement::default()]);
    for (status, name) in [("500", "Internal"), ("503", "Unavailable")] {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// An error response: the `ErrorBody` schema, described by the codes answered with `status`.
fn error_response(status: StatusCode) -> Response {
    let codes: Vec<String> = Code::ALL
        .iter()
        .filter(|code| code.status() == status)
        .map(|code| format!("`{}`: {}.", code.name(), code.description()))
        .collect();
    let mut response = ResponseBuilder::new()
        .description(format!(
            "{}. `error.code` is one of: {}",
            status.canonical_reason().unwrap_or("Error"),
            codes.join(" ")
        ))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
    if status == StatusCode::TOO_MANY_REQUESTS {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds until a retry may pass."))
                .build(),
        );
    }
    if status == StatusCode::UNAUTHORIZED {
        response = response.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(
                    "`Bearer`; `Bearer error=\"invalid_token\"` when the token sent is not known",
                ))
                .build(),
        );
    }
    response.build()
}

macro_rules! error_responses {
    ($($name:ident = $status:ident;)*) => {$(
        #[doc = concat!("The reusable `", stringify!($name), "` error response.")]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T(error_response(StatusCode::$status)))
            }
        }
    )*};
}

/// `/readyz`'s 503: the replica's readiness (the `Readiness` schema), not an error body.
pub struct NotReady;

impl<'r> ToResponse<'r> for NotReady {
    fn response() -> (&'r str, RefOr<Response>) {
        let response = ResponseBuilder::new()
            .description(
                "Not ready: this replica is behind the store's catalog or needs (it reloads within \
                 `reload_secs`), or the store did not answer.",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Readiness")))
                    .build(),
            );
        ("NotReady", RefOr::T(response.build()))
    }
}

error_responses! {
    BadRequest = BAD_REQUEST;
    Unauthorized = UNAUTHORIZED;
    Forbidden = FORBIDDEN;
    NotFound = NOT_FOUND;
    Conflict = CONFLICT;
    PayloadTooLarge = PAYLOAD_TOO_LARGE;
    Invalid = UNPROCESSABLE_ENTITY;
    UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE;
    TooManyRequests = TOO_MANY_REQUESTS;
    Internal = INTERNAL_SERVER_ERROR;
    Unavailable = SERVICE_UNAVAILABLE;
}
