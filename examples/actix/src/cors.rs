//! CORS as a middleware: each request asks the `tollgate-cors` policy, and the decision is
//! carried out here. An allowed preflight is answered 204 with its headers, a denied one 403
//! `cors_preflight_rejected` without CORS headers; every other request goes on, and its answer,
//! a refusal or not, gets the headers the decision names (`Vary` added to, never replaced).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderName,
    HeaderValue, ORIGIN, VARY,
};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use tollgate::cors::{CorsDecision, CorsRequest};
use tollgate::refusal;

use crate::{State, answer};

/// The middleware (`actix_web::middleware::from_fn(cors::apply)`).
///
/// # Errors
/// Only the inner service's.
pub async fn apply(
    state: web::Data<State>,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (decision, headers) = {
        let header = |name| request.headers().get(name).map(HeaderValue::as_bytes);
        let asked = CorsRequest {
            method: request.method().as_str(),
            path: request.path(),
            origin: header(ORIGIN),
            access_control_request_method: header(ACCESS_CONTROL_REQUEST_METHOD),
            access_control_request_headers: header(ACCESS_CONTROL_REQUEST_HEADERS),
        };
        let decision = state.cors.evaluate(&asked);
        // Owned before the request moves on: the decision borrows from it.
        let headers: Vec<(HeaderName, HeaderValue)> = decision
            .response_headers()
            .iter()
            .filter_map(|(kind, text)| {
                let name = HeaderName::from_static(kind.name());
                Some((name, HeaderValue::from_str(text).ok()?))
            })
            .collect();
        (Answer::of(decision), headers)
    };
    let mut response = match decision {
        Answer::Preflight => request.into_response(HttpResponse::NoContent().finish()),
        Answer::Refused(refused) => return Ok(request.into_response(answer::response(&refused))),
        Answer::PassOn => next.call(request).await?.map_into_boxed_body(),
    };
    add(response.headers_mut(), headers);
    Ok(response)
}

/// What becomes of a request, once its decision has been read.
enum Answer {
    /// An allowed preflight: 204 here.
    Preflight,
    /// A denied preflight: refused here, without CORS headers.
    Refused(refusal::Refusal),
    /// Any other request: to the application.
    PassOn,
}

impl Answer {
    fn of(decision: CorsDecision<'_>) -> Self {
        match decision {
            CorsDecision::PreflightAllowed(_) => Self::Preflight,
            CorsDecision::PreflightDenied(reason) => {
                Self::Refused(refusal::cors_preflight_denied(reason))
            }
            CorsDecision::NotCors { .. }
            | CorsDecision::ActualAllowed(_)
            | CorsDecision::ActualDenied { .. } => Self::PassOn,
        }
    }
}

/// Adds `pairs` to `headers`: `Vary` is appended to, every other header replaced.
fn add(headers: &mut HeaderMap, pairs: Vec<(HeaderName, HeaderValue)>) {
    for (name, value) in pairs {
        if name == VARY {
            headers.append(name, value);
        } else {
            headers.insert(name, value);
        }
    }
}
