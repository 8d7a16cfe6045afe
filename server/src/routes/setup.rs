//! What a newcomer and a portal need before the real work: the import templates
//! (`/api/v1/import/templates`), the bundled demo catalog and its removal (`/api/v1/demo`), and the
//! check `embed.js` makes before it frames the widget (`/api/v1/embed/check`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::require_writer;
use crate::error::ApiError;
use crate::routes::openapi::{Forbidden, NotFound, Unauthorized};
use crate::state::AppState;
use crate::store::Change;

/// An import template: its file name, format, content type and bytes (`server/data/templates/`,
/// written by `make_templates.py` there; the formats are described in `docs/formats.md`).
pub struct Template {
    pub name: &'static str,
    pub format: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

pub const TEMPLATES: [Template; 3] = [
    Template {
        name: "resources.csv",
        format: "csv",
        content_type: "text/csv; charset=utf-8",
        bytes: include_bytes!("../../data/templates/resources.csv"),
    },
    Template {
        name: "resources.xlsx",
        format: "xlsx",
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: include_bytes!("../../data/templates/resources.xlsx"),
    },
    Template {
        name: "resources.jsonl",
        format: "jsonl",
        content_type: "application/x-ndjson; charset=utf-8",
        bytes: include_bytes!("../../data/templates/resources.jsonl"),
    },
];

/// Where the formats are described, for people reading the list of templates.
const FORMATS_DOC: &str = "docs/formats.md in the duijie repository";

/// `GET /api/v1/import/templates`.
#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    templates: Vec<TemplateInfo>,
    /// Where the formats are described.
    documentation: &'static str,
    /// How to import a filled-in template.
    import: &'static str,
}

/// One import template.
#[derive(Serialize, ToSchema)]
pub struct TemplateInfo {
    /// `resources.csv`, `resources.xlsx` or `resources.jsonl`.
    name: &'static str,
    /// The import's `format`: `csv`, `xlsx` or `jsonl`.
    format: &'static str,
    content_type: &'static str,
    /// Where to download it.
    url: String,
}

/// `GET /api/v1/demo`.
#[derive(Serialize, ToSchema)]
pub struct DemoCount {
    /// How many resources of the bundled demo catalog the catalog holds.
    demo_resources: usize,
    /// How many resources the catalog holds in all.
    resources: usize,
    catalog_version: String,
}

/// `DELETE /api/v1/demo`.
#[derive(Serialize, ToSchema)]
pub struct DemoRemoved {
    /// How many demo resources were removed (0 when there were none).
    removed: usize,
    /// How many resources the catalog holds now.
    resources: usize,
    catalog_version: String,
}

/// `GET /api/v1/embed/check`.
#[derive(Serialize, ToSchema)]
pub struct EmbedCheck {
    /// The request's `Origin`, or null (the service's own pages, or a tool).
    #[schema(required = true)]
    origin: Option<String>,
    /// Whether a page of that origin may frame the widget.
    allowed: bool,
    /// When not allowed: how the service's operator allows it; else null.
    #[schema(required = true)]
    how_to_allow: Option<String>,
}

/// The import templates.
///
/// One template per format, each with one example row per kind; the formats are in
/// `docs/formats.md`.
#[utoipa::path(
    get,
    path = "/api/v1/import/templates",
    tag = "catalog",
    operation_id = "list_import_templates",
    responses((status = 200, description = "The templates and their URLs.", body = TemplateList))
)]
pub async fn templates() -> HttpResponse {
    let items: Vec<TemplateInfo> = TEMPLATES
        .iter()
        .map(|template| TemplateInfo {
            name: template.name,
            format: template.format,
            content_type: template.content_type,
            url: format!("/api/v1/import/templates/{}", template.name),
        })
        .collect();
    HttpResponse::Ok().json(TemplateList {
        templates: items,
        documentation: FORMATS_DOC,
        import: "POST /api/v1/import?format=csv|xlsx|jsonl with an editor or admin token",
    })
}

/// One import template, as a download.
///
/// Imports as it is (`POST /api/v1/import`); replace its example rows with yours.
#[utoipa::path(
    get,
    path = "/api/v1/import/templates/{name}",
    tag = "catalog",
    operation_id = "get_import_template",
    params(("name" = String, Path, description = "`resources.csv`, `resources.xlsx` or `resources.jsonl`.")),
    responses(
        (status = 200, description = "The template (`Content-Disposition: attachment`).",
            content(
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "application/x-ndjson")
            )),
        (status = 404, response = NotFound)
    )
)]
pub async fn template(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let template = TEMPLATES
        .iter()
        .find(|template| template.name == name)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no template '{name}' (resources.csv, resources.xlsx, resources.jsonl)"
            ))
        })?;
    Ok(HttpResponse::Ok()
        .content_type(template.content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", template.name),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(template.bytes))
}

/// How much of the bundled demo catalog the catalog holds.
///
/// A new, empty store starts with the demo catalog (unless `duijie serve --no-demo`); imports do
/// not remove it.
#[utoipa::path(
    get,
    path = "/api/v1/demo",
    tag = "catalog",
    operation_id = "count_demo",
    responses((status = 200, description = "The count.", body = DemoCount))
)]
pub async fn demo(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog();
    HttpResponse::Ok().json(DemoCount {
        demo_resources: crate::demo::count_in(catalog.resources()),
        resources: catalog.resources().len(),
        catalog_version: catalog.version().to_string(),
    })
}

/// Remove the bundled demo catalog's resources, keeping all others.
///
/// By id, in one change; nothing to remove is not an error.
#[utoipa::path(
    delete,
    path = "/api/v1/demo",
    tag = "catalog",
    operation_id = "remove_demo",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed.", body = DemoRemoved),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn remove_demo(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let answer = web::block(move || -> Result<DemoRemoved, ApiError> {
        let ids: Vec<String> = crate::demo::ids().iter().cloned().collect();
        let before = state.catalog();
        let removed = crate::demo::count_in(before.resources());
        let catalog = if removed == 0 {
            before
        } else {
            state.write(Change::DeleteMany(&ids), false, |_| Ok(()))?
        };
        Ok(DemoRemoved {
            removed,
            resources: catalog.resources().len(),
            catalog_version: catalog.version().to_string(),
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// Whether the calling page's origin may embed the widget.
///
/// For `embed.js`, which says so in words on the host page instead of leaving a broken frame. By
/// the request's `Origin`; answered to any origin (`Access-Control-Allow-Origin: *`), as it tells a
/// page only about itself. Without `Origin` (the service's own pages, or a tool) it is allowed: the
/// CSP always lets the service frame its widget.
#[utoipa::path(
    get,
    path = "/api/v1/embed/check",
    tag = "system",
    operation_id = "check_embed",
    responses((status = 200, description = "The answer.", body = EmbedCheck))
)]
pub async fn embed_check(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let allowed = match &origin {
        None => true,
        Some(origin) => state
            .config
            .cors_origins
            .iter()
            .any(|allowed| allowed == origin),
    };
    let how = origin
        .as_deref()
        .filter(|_| !allowed)
        .map(|origin| {
            format!(
                "start duijie serve with --cors-origin {origin} (or add it to DUIJIE_CORS_ORIGINS or cors_origins in the configuration file)"
            )
        });
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::VARY, "Origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(EmbedCheck {
            origin,
            allowed,
            how_to_allow: how,
        })
}
