//! The caller's own preferences: `GET/PUT/POST /userPreferences` (the definition's path; it
//! documents `POST`), `GET/PUT /preferences` (what owsec serves and the consoles and the curl
//! CLI call) for an operator, and `GET/PUT /subpreferences` for a subscriber.
//!
//! The body is `{data: [{tag, value}]}` and so is the answer (with `modified`, seconds since the
//! epoch; 0 when never saved). owsec's curl CLI sends each entry as a pair, `{"data": [["tag",
//! "value"]]}`: both spellings are read. A `PUT` replaces the whole list; its bounds are the
//! domain's ([`latchkey_subscriber::Preferences::new`]).

use crate::http::endpoint::Endpoint;
use crate::security::auth::OperatorCaller;
use crate::security::error::{SecurityError, SecurityErrorBody};
use crate::security::subscriber_auth::SubscriberCaller;
use crate::security::wire::{self, Json};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_subscriber::{Holder, Preference, Preferences};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::security("/userPreferences")
            .get(get_own)
            .put(set_own)
            .post(set_own_post),
    )
    .service(
        Endpoint::security("/preferences")
            .get(get_operator)
            .put(set_operator),
    )
    .service(
        Endpoint::security("/subpreferences")
            .get(get_subscriber)
            .put(set_subscriber),
    );
}

/// One preference (`{tag, value}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreferenceDto {
    pub tag: String,
    pub value: String,
}

/// A caller's preferences (the definition's `Preferences`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreferencesDto {
    /// When they were last saved, seconds since the epoch (0: never).
    #[schema(format = Int64)]
    pub modified: i64,
    pub data: Vec<PreferenceDto>,
}

impl From<Preferences> for PreferencesDto {
    fn from(p: Preferences) -> Self {
        Self {
            modified: p.modified.unix_timestamp(),
            data: p
                .data
                .into_iter()
                .map(|p| PreferenceDto {
                    tag: p.tag,
                    value: p.value,
                })
                .collect(),
        }
    }
}

/// One entry of a `PUT`: `{"tag": ..., "value": ...}` or owsec's CLI's `["tag", "value"]`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PreferenceInput {
    Entry {
        tag: String,
        value: String,
    },
    /// `[tag, value]`.
    Pair(String, String),
}

/// The body of a `PUT`: `{data: [...]}` (`modified` and anything else the caller sends are the
/// server's to decide, and ignored).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PreferencesInput {
    pub data: Vec<PreferenceInput>,
}

impl PreferencesInput {
    fn into_domain(self) -> Vec<Preference> {
        self.data
            .into_iter()
            .map(|entry| match entry {
                PreferenceInput::Entry { tag, value } | PreferenceInput::Pair(tag, value) => {
                    Preference { tag, value }
                }
            })
            .collect()
    }
}

async fn read(state: &AppState, holder: &Holder) -> Result<HttpResponse, SecurityError> {
    let preferences = state.operators.subscribers.preferences(holder).await?;
    Ok(wire::ok(&PreferencesDto::from(preferences)))
}

async fn write(
    state: &AppState,
    holder: &Holder,
    input: PreferencesInput,
) -> Result<HttpResponse, SecurityError> {
    let saved = state
        .operators
        .subscribers
        .set_preferences(holder, input.into_domain())
        .await?;
    Ok(wire::ok(&PreferencesDto::from(saved)))
}

fn operator_holder(caller: &OperatorCaller) -> Holder {
    Holder::Operator(caller.operator().id)
}

fn subscriber_holder(caller: &SubscriberCaller) -> Holder {
    Holder::Subscriber(caller.org.clone(), caller.credential)
}

/// The calling operator's preferences.
#[utoipa::path(get, operation_id = "user_preferences_get", path = "/api/v1/userPreferences",
    tag = "Security service",
    responses(
        (status = 200, description = "The caller's preferences (none, `modified` 0, when never saved)", body = PreferencesDto),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get_own(
    state: web::Data<AppState>,
    caller: OperatorCaller,
) -> Result<HttpResponse, SecurityError> {
    read(&state, &operator_holder(&caller)).await
}

/// Replaces the calling operator's preferences.
#[utoipa::path(put, operation_id = "user_preferences_put", path = "/api/v1/userPreferences",
    tag = "Security service",
    request_body(content = PreferencesInput, description = "`{data: [{tag, value}]}` (entries as `[tag, value]` pairs too): at most 256, tags of 1 to 128 characters, values of at most 4096; a tag given twice keeps its last value"),
    responses(
        (status = 200, description = "The preferences as saved", body = PreferencesDto),
        (status = 400, description = "`1003`: not JSON; `1018`: no `data` list, or an entry that is neither `{tag, value}` nor a pair of strings; `1503`: more than 256; `1504`: an empty or overlong tag; `1505`: an overlong value", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody),
        (status = 413, description = "A body over 64 KiB", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn set_own(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    Json(input): Json<PreferencesInput>,
) -> Result<HttpResponse, SecurityError> {
    write(&state, &operator_holder(&caller), input).await
}

/// Replaces the calling operator's preferences (the definition's method for `/userPreferences`).
#[utoipa::path(post, operation_id = "user_preferences_post", path = "/api/v1/userPreferences",
    tag = "Security service",
    request_body(content = PreferencesInput, description = "As `PUT`"),
    responses(
        (status = 200, description = "The preferences as saved", body = PreferencesDto),
        (status = 400, description = "As `PUT`", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody),
        (status = 413, description = "A body over 64 KiB", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn set_own_post(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    Json(input): Json<PreferencesInput>,
) -> Result<HttpResponse, SecurityError> {
    write(&state, &operator_holder(&caller), input).await
}

/// The calling operator's preferences (the path owsec and the consoles use).
#[utoipa::path(get, operation_id = "preferences_get", path = "/api/v1/preferences",
    tag = "Security service",
    responses(
        (status = 200, description = "The caller's preferences (none, `modified` 0, when never saved)", body = PreferencesDto),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get_operator(
    state: web::Data<AppState>,
    caller: OperatorCaller,
) -> Result<HttpResponse, SecurityError> {
    read(&state, &operator_holder(&caller)).await
}

/// Replaces the calling operator's preferences (the path owsec and the consoles use).
#[utoipa::path(put, operation_id = "preferences_put", path = "/api/v1/preferences",
    tag = "Security service",
    request_body(content = PreferencesInput, description = "As `PUT /userPreferences`"),
    responses(
        (status = 200, description = "The preferences as saved", body = PreferencesDto),
        (status = 400, description = "As `PUT /userPreferences`", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody),
        (status = 413, description = "A body over 64 KiB", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn set_operator(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    Json(input): Json<PreferencesInput>,
) -> Result<HttpResponse, SecurityError> {
    write(&state, &operator_holder(&caller), input).await
}

/// The calling subscriber's preferences.
#[utoipa::path(get, operation_id = "subpreferences_get", path = "/api/v1/subpreferences",
    tag = "Security service",
    responses(
        (status = 200, description = "The subscriber's preferences (none, `modified` 0, when never saved)", body = PreferencesDto),
        (status = 403, description = "Not a subscriber's live token (8, 9)", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn get_subscriber(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
) -> Result<HttpResponse, SecurityError> {
    read(&state, &subscriber_holder(&caller)).await
}

/// Replaces the calling subscriber's preferences.
#[utoipa::path(put, operation_id = "subpreferences_put", path = "/api/v1/subpreferences",
    tag = "Security service",
    request_body(content = PreferencesInput, description = "As `PUT /userPreferences`"),
    responses(
        (status = 200, description = "The preferences as saved", body = PreferencesDto),
        (status = 400, description = "As `PUT /userPreferences`", body = SecurityErrorBody),
        (status = 403, description = "Not a subscriber's live token (8, 9)", body = SecurityErrorBody),
        (status = 413, description = "A body over 64 KiB", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn set_subscriber(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    Json(input): Json<PreferencesInput>,
) -> Result<HttpResponse, SecurityError> {
    write(&state, &subscriber_holder(&caller), input).await
}
