//! Avatars: `GET/POST/DELETE /avatar/{id}` (an operator's) and `/subavatar/{id}` (a
//! subscriber's). PNG, JPEG, GIF or SVG up to 2 MiB, uploaded as `multipart/form-data` (field
//! `file`, or `data` as owsec's curl CLI sends it; [`upload`]), or as the raw body the
//! definition describes. The type is sniffed from the bytes by the domain, never taken from
//! the request.
//!
//! An avatar is served with its type and `X-Content-Type-Options: nosniff`; an SVG also with
//! `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; sandbox`, so that a
//! browser opening it runs none of its script and fetches nothing it names (an `<img>` never
//! runs script anyway). The SVG is kept as uploaded: the policy, not a sanitiser, is the
//! guarantee, and it holds for what a sanitiser would miss.
//!
//! Who: an operator's avatar is read by whoever may read that operator, and changed by the
//! operator itself or whoever may modify it (`latchkey_operator::permissions`). A subscriber's
//! is the subscriber's own, or an operator's whose security profile reads (or modifies)
//! `subscribers` of the subscriber's org (the operator's own org, else `X-Latchkey-Org`, else
//! the default org: [`tenant`]).

use crate::http::endpoint::Endpoint;
use crate::security::auth::{self, OperatorCaller};
use crate::security::dto::UserInfo;
use crate::security::error::{Denial, SecurityError, SecurityErrorBody};
use crate::security::subscriber_auth::{self, SubscriberCaller};
use crate::security::tenant;
use crate::security::upload;
use crate::security::users::id_path;
use crate::security::wire;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use latchkey_operator::Operator;
use latchkey_operator::ProfileAccess;
use latchkey_operator::permissions::{self, Edit};
use latchkey_subscriber::{Avatar, Holder, ImageType, MediaError, Subscriber};
use serde::Serialize;
use uuid::Uuid;

/// The policy an SVG avatar is served with: no script, no fetch, a sandboxed document; inline
/// styles only (SVGs use them for their look).
pub const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// The multipart fields an avatar may come in: `file`, or `data` (owsec's curl CLI).
const FIELDS: &[&str] = &["file", "data"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::security("/avatar/{id}")
            .get(get_operator)
            .post(set_operator)
            .delete(delete_operator),
    )
    .service(
        Endpoint::security("/subavatar/{id}")
            .get(get_subscriber)
            .post(set_subscriber)
            .delete(delete_subscriber),
    );
}

/// What a successful upload answers: `Command completed.` and the holder's id (owsec's
/// `avatarId`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AvatarSaved {
    /// Always 0.
    #[serde(rename = "Code")]
    pub code: u16,
    /// `POST`.
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `Command completed.`.
    #[serde(rename = "Details")]
    pub details: &'static str,
    /// Whose avatar it is.
    #[serde(rename = "avatarId")]
    pub avatar_id: String,
    /// The type it was sniffed as, and is served with.
    #[serde(rename = "type")]
    pub image_type: &'static str,
    /// Its size in bytes.
    #[schema(format = Int64)]
    pub size: usize,
}

/// A multipart upload: the image in the part `file` (or `data`).
#[derive(Debug, utoipa::ToSchema)]
pub struct AvatarForm {
    /// The image (PNG, JPEG, GIF or SVG, at most 2 MiB).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// An image's bytes (PNG, JPEG, GIF or SVG).
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct AvatarImage(pub Vec<u8>);

/// The answer of a `GET`: the image, with its type and the headers that keep a browser from
/// running what it holds.
pub fn serve(avatar: &Avatar) -> HttpResponse {
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(avatar.image_type.media_type())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    if avatar.image_type == ImageType::Svg {
        answer.insert_header((header::CONTENT_SECURITY_POLICY, SVG_CSP));
    }
    answer.body(avatar.bytes.clone())
}

/// The `avatar` of a `UserInfo`: the absolute URI its holder's avatar is served at when it has
/// one, else empty. owsec marks the field non-empty when there is an avatar, and its consoles
/// then fetch `/avatar/{id}`; the definition types it as a URI.
pub async fn avatar_uri(state: &AppState, holder: &Holder) -> Result<String, SecurityError> {
    let (path, id) = match holder {
        Holder::Operator(id) => ("avatar", id),
        Holder::Subscriber(_, id) => ("subavatar", id),
    };
    match state.operators.subscribers.avatar(holder).await {
        Ok(_) => Ok(format!(
            "{}/api/v1/{path}/{id}",
            state.public_url.trim_end_matches('/')
        )),
        Err(MediaError::NoAvatar) => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}

/// An operator's `UserInfo` with its [`avatar_uri`], as `/oauth2?me=true` and `/user/{id}`
/// show it.
pub async fn operator_info(
    state: &AppState,
    operator: &Operator,
) -> Result<UserInfo, SecurityError> {
    let mut info = UserInfo::from(operator);
    info.avatar = avatar_uri(state, &Holder::Operator(operator.id)).await?;
    Ok(info)
}

/// A subscriber's `UserInfo` with its [`avatar_uri`], as `/suboauth2?me=true` and
/// `/subuser/{id}` show it.
pub async fn subscriber_info(
    state: &AppState,
    subscriber: &Subscriber,
) -> Result<UserInfo, SecurityError> {
    let mut info = UserInfo::subscriber(subscriber);
    let holder = Holder::Subscriber(subscriber.org.clone(), subscriber.id());
    info.avatar = avatar_uri(state, &holder).await?;
    Ok(info)
}

/// Reads the uploaded image and makes it `holder`'s avatar (an operator's or a subscriber's,
/// `id`), answering [`AvatarSaved`].
async fn save(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    id: Uuid,
    holder: &Holder,
) -> Result<HttpResponse, SecurityError> {
    let upload = upload::read(req, payload.into_inner(), FIELDS, Avatar::MAX_BYTES).await?;
    let avatar = state
        .operators
        .subscribers
        .set_avatar(holder, &upload.file_name, upload.bytes)
        .await?;
    Ok(wire::ok(&AvatarSaved {
        code: 0,
        operation: wire::current_method(),
        details: "Command completed.",
        avatar_id: id.to_string(),
        image_type: avatar.image_type.media_type(),
        size: avatar.bytes.len(),
    }))
}

/// The operator `{id}` names, checked readable by the caller (403 code 7 if not, 404 if none);
/// with `modify`, also that the caller may change its own fields (itself, or within its rights).
async fn operator_holder(
    state: &AppState,
    caller: &OperatorCaller,
    raw: &str,
    modify: bool,
) -> Result<(Uuid, Holder), SecurityError> {
    let target = state
        .operators
        .directory
        .get(caller.operator(), id_path(raw)?)
        .await?;
    if modify {
        let edit = Edit {
            own_fields: true,
            ..Edit::default()
        };
        permissions::can_modify(caller.operator(), &target, &edit)?;
    }
    Ok((target.id, Holder::Operator(target.id)))
}

/// An operator's avatar.
#[utoipa::path(get, operation_id = "avatar_get", path = "/api/v1/avatar/{id}", tag = "Security service",
    params(("id" = Uuid, Path, description = "The operator's id")),
    responses(
        (status = 200, description = "The image, with its sniffed type; an SVG with a sandboxing `Content-Security-Policy`", content(
            (AvatarImage = "image/png"), (AvatarImage = "image/jpeg"), (AvatarImage = "image/gif"), (AvatarImage = "image/svg+xml"))),
        (status = 403, description = "Not signed in (8, 9), or may not read that operator (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator, or it has no avatar", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get_operator(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let (_, holder) = operator_holder(&state, &caller, &path, false).await?;
    Ok(serve(&state.operators.subscribers.avatar(&holder).await?))
}

/// Sets an operator's avatar (replacing any).
#[utoipa::path(post, operation_id = "avatar_set", path = "/api/v1/avatar/{id}", tag = "Security service",
    params(("id" = Uuid, Path, description = "The operator's id")),
    request_body(description = "`multipart/form-data` with the image in the field `file` (or `data`), or the image itself as the body: PNG, JPEG, GIF or SVG, at most 2 MiB; its type is sniffed from its bytes", content(
        (AvatarForm = "multipart/form-data"), (AvatarImage = "image/png"), (AvatarImage = "image/jpeg"), (AvatarImage = "image/gif"), (AvatarImage = "image/svg+xml"))),
    responses(
        (status = 200, description = "Saved: `Command completed.` with `avatarId`, the sniffed `type` and `size`", body = AvatarSaved),
        (status = 400, description = "`1501`: not a PNG, JPEG, GIF or SVG image; `1018`: a multipart body without a `file` or `data` part", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not modify that operator (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody),
        (status = 413, description = "`1502`: larger than 2 MiB", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn set_operator(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, SecurityError> {
    let (id, holder) = operator_holder(&state, &caller, &path, true).await?;
    save(&state, &req, payload, id, &holder).await
}

/// Removes an operator's avatar.
#[utoipa::path(delete, operation_id = "avatar_delete", path = "/api/v1/avatar/{id}", tag = "Security service",
    params(("id" = Uuid, Path, description = "The operator's id")),
    responses(
        (status = 200, description = "Removed: an empty body"),
        (status = 403, description = "Not signed in (8, 9), or may not modify that operator (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator, or it has no avatar", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn delete_operator(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let (_, holder) = operator_holder(&state, &caller, &path, true).await?;
    state.operators.subscribers.delete_avatar(&holder).await?;
    Ok(wire::deleted())
}

/// Who calls `/subavatar`: the subscriber itself, or an operator.
#[derive(Debug)]
pub enum AvatarCaller {
    Subscriber(Box<SubscriberCaller>),
    Operator(Box<OperatorCaller>),
}

impl FromRequest for AvatarCaller {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    /// An `X-API-KEY` alone is an operator's; a bearer token is a subscriber's when it is a
    /// customer token, else an operator's. When it is neither, the subscriber verification's
    /// answer stands unless it only says "not ours" (code 8).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = || -> Result<_, SecurityError> {
            let bearer = auth::bearer(req)?.map(str::to_owned);
            let api_key = req
                .headers()
                .get(&auth::X_API_KEY)
                .map(|v| v.to_str().map(|s| s.trim().to_owned()))
                .transpose()
                .map_err(|_| SecurityError::denied(Denial::InvalidToken))?
                .filter(|k| !k.is_empty());
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| SecurityError::internal("application state missing"))?;
            Ok((state, bearer, api_key))
        };
        let read = read();
        Box::pin(async move {
            let (state, bearer, api_key) = read?;
            let Some(token) = bearer else {
                let operator = auth::operator(&state, None, api_key).await?;
                return Ok(AvatarCaller::Operator(Box::new(operator)));
            };
            let as_subscriber = match subscriber_auth::subscriber(&state, token.clone()).await {
                Ok(subscriber) => return Ok(AvatarCaller::Subscriber(Box::new(subscriber))),
                Err(e) => e,
            };
            match auth::operator(&state, Some(token), api_key).await {
                Ok(operator) => Ok(AvatarCaller::Operator(Box::new(operator))),
                Err(e) if as_subscriber.code() == Denial::InvalidToken.code() => Err(e),
                Err(_) => Err(as_subscriber),
            }
        })
    }
}

/// The subscriber `{id}` names, for `caller`: itself (another subscriber is 403 code 7), or one
/// of the org an operator reaches whose profile grants `access` on `subscribers`.
async fn subscriber_holder(
    state: &AppState,
    req: &HttpRequest,
    caller: &AvatarCaller,
    raw: &str,
    access: ProfileAccess,
) -> Result<(Uuid, Holder), SecurityError> {
    let id = id_path(raw)?;
    match caller {
        AvatarCaller::Subscriber(subscriber) => {
            if subscriber.credential != id {
                return Err(SecurityError::denied(Denial::AccessDenied));
            }
            Ok((id, Holder::Subscriber(subscriber.org.clone(), id)))
        }
        AvatarCaller::Operator(operator) => {
            let org = tenant::subscriber_org(req, state, Some(operator.operator()))?;
            let subscribers = &state.operators.subscribers;
            subscribers.enter(operator.operator(), &org, access).await?;
            let subscriber = subscribers.get(&org, id).await?;
            Ok((id, Holder::Subscriber(org, subscriber.id())))
        }
    }
}

/// A subscriber's avatar.
#[utoipa::path(get, operation_id = "subavatar_get", path = "/api/v1/subavatar/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The subscriber's id (its credential's)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "For an operator without an org of its own: the subscriber's org (default: the server's default org)"),
    ),
    responses(
        (status = 200, description = "The image, with its sniffed type; an SVG with a sandboxing `Content-Security-Policy`", content(
            (AvatarImage = "image/png"), (AvatarImage = "image/jpeg"), (AvatarImage = "image/gif"), (AvatarImage = "image/svg+xml"))),
        (status = 403, description = "Not signed in (8, 9), another subscriber, or an operator who may not read subscribers of that org (7)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber, or it has no avatar", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get_subscriber(
    state: web::Data<AppState>,
    caller: AvatarCaller,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, SecurityError> {
    let (_, holder) = subscriber_holder(&state, &req, &caller, &path, ProfileAccess::Read).await?;
    Ok(serve(&state.operators.subscribers.avatar(&holder).await?))
}

/// Sets a subscriber's avatar (replacing any).
#[utoipa::path(post, operation_id = "subavatar_set", path = "/api/v1/subavatar/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The subscriber's id (its credential's)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "For an operator without an org of its own: the subscriber's org"),
    ),
    request_body(description = "As `POST /avatar/{id}`", content(
        (AvatarForm = "multipart/form-data"), (AvatarImage = "image/png"), (AvatarImage = "image/jpeg"), (AvatarImage = "image/gif"), (AvatarImage = "image/svg+xml"))),
    responses(
        (status = 200, description = "Saved: `Command completed.` with `avatarId`, the sniffed `type` and `size`", body = AvatarSaved),
        (status = 400, description = "`1501`: not a PNG, JPEG, GIF or SVG image; `1018`: a multipart body without a `file` or `data` part", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), another subscriber, or an operator who may not modify subscribers of that org (7)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber", body = SecurityErrorBody),
        (status = 413, description = "`1502`: larger than 2 MiB", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn set_subscriber(
    state: web::Data<AppState>,
    caller: AvatarCaller,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, SecurityError> {
    let (id, holder) =
        subscriber_holder(&state, &req, &caller, &path, ProfileAccess::Modify).await?;
    save(&state, &req, payload, id, &holder).await
}

/// Removes a subscriber's avatar.
#[utoipa::path(delete, operation_id = "subavatar_delete", path = "/api/v1/subavatar/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The subscriber's id (its credential's)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "For an operator without an org of its own: the subscriber's org"),
    ),
    responses(
        (status = 200, description = "Removed: an empty body"),
        (status = 403, description = "Not signed in (8, 9), another subscriber, or an operator who may not modify subscribers of that org (7)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber, or it has no avatar", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn delete_subscriber(
    state: web::Data<AppState>,
    caller: AvatarCaller,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, SecurityError> {
    let (_, holder) =
        subscriber_holder(&state, &req, &caller, &path, ProfileAccess::Modify).await?;
    state.operators.subscribers.delete_avatar(&holder).await?;
    Ok(wire::deleted())
}
