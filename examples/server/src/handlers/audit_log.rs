//! `GET /v1/audit`: the audit log, newest first, for administrators (the route's scope layer).

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde_json::{Value, json};
use tollgate::http::Refusal;
use tollgate::store::{AuditEntry, AuditQuery, TokenId, UserName};

use super::rfc3339;
use crate::app::AppState;
use crate::client_errors::bad_request;
use crate::paging::{PageQuery, next_link};

/// The query parameters that filter the log, each at most once.
const FILTERS: [&str; 5] = ["user", "token", "action", "since", "until"];

/// `?user=&token=&action=&since=&until=` (each optional: the user who acted, a token that
/// acted or was acted on, an action, RFC 3339 times, `since` included and `until` not), with
/// `limit` and `cursor` as every list has them.
pub(crate) async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<(HeaderMap, Json<Value>), Refusal> {
    let paging = PageQuery::parse(raw.as_deref())?;
    // Cursors hold entry ids in decimal, one spelling each.
    let before_id = paging.after(|key| {
        key.parse::<i64>()
            .ok()
            .filter(|id| *id > 0 && id.to_string() == key)
    })?;
    let (mut query, kept) = filters(raw.as_deref())?;
    query.before_id = before_id;
    let page = state.tokens.audit(&query, paging.size).await?;
    let path = format!("/v1/audit{kept}");
    let link = next_link(&path, paging.size, &page, |entry| entry.id.to_string());
    Ok((link, Json(page.items.iter().map(shown).collect())))
}

/// The filters `raw` gives, and the same as a query string (`?user=alice`, or empty) for the
/// next page's link.
fn filters(raw: Option<&str>) -> Result<(AuditQuery, String), Refusal> {
    let mut given: [Option<String>; 5] = Default::default();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let Some(index) = FILTERS.iter().position(|filter| *filter == name) else {
            continue;
        };
        if given[index].replace(value.into_owned()).is_some() {
            return Err(invalid(format!("{name} is given more than once")));
        }
    }
    let [user, token, action, since, until] = given.clone();
    let time = |name: &str, text: Option<String>| {
        text.map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| invalid(format!("{name} must be an RFC 3339 time")))
        })
        .transpose()
    };
    let query = AuditQuery {
        actor_user: user
            .map(|name| UserName::new(&name).map_err(|error| invalid(format!("user: {error}"))))
            .transpose()?,
        token: token
            .map(|id| {
                id.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(TokenId)
                    .ok_or_else(|| invalid("token must be a token's id".to_owned()))
            })
            .transpose()?,
        action: action
            .map(|name| {
                name.parse()
                    .map_err(|error| invalid(format!("action: {error}")))
            })
            .transpose()?,
        since: time("since", since)?,
        until: time("until", until)?,
        before_id: None,
    };
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (name, value) in FILTERS.iter().zip(&given) {
        if let Some(value) = value {
            kept.append_pair(name, value);
        }
    }
    let kept = kept.finish();
    let kept = if kept.is_empty() {
        kept
    } else {
        format!("?{kept}")
    };
    Ok((query, kept))
}

/// 400 `invalid_audit_filter`.
fn invalid(message: String) -> Refusal {
    bad_request("invalid_audit_filter", message)
}

/// An entry as the API shows it.
fn shown(entry: &AuditEntry) -> Value {
    let event = &entry.event;
    json!({
        "id": entry.id,
        "at": rfc3339(event.at),
        "user": event.actor_user.as_ref().map(UserName::as_str),
        "token_id": event.actor_token.map(|id| id.0),
        "action": event.action.as_str(),
        "target": event.target,
        "outcome": event.outcome,
        "count": event.count,
    })
}
